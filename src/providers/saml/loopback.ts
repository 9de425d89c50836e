const loopback = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True for localhost, 127.x.x.x and [::1]: the only hosts metadata may come from over plain http. */
export const isLoopbackHost = (hostname: string) => loopback.test(hostname);
