import http from 'node:http';
import https from 'node:https';

/** Keep-alive connections to the providers, shared by every flow of the process. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** A provider answer larger than this is refused unread (token and API answers are a few kB). */
const MAX_BODY_BYTES = 1024 * 1024;

type FetchInit = {
  method?: string;
  headers?: Record<string, string> | [string, string][];
  body?: string | URLSearchParams | ArrayBuffer | Uint8Array | ReadableStream | null;
};

/**
 * A `fetch` for talking to providers over node:http(s) with keep-alive, bounded in time and size.
 * Answers are `Response`s, so openid-client (its `customFetch`) and our own calls read them as
 * usual; redirects are never followed (openid-client asks for `redirect: 'manual'` anyway).
 *
 * Why not the global `fetch`: per request it builds a WHATWG Request, streams and, for the
 * timeout, an `AbortSignal.timeout` (a transferable object); on the sign-in's two provider calls
 * that was a measurable share of the server's CPU (docs/performance.md). Failures look as they do
 * from `fetch` — `TypeError('fetch failed')` with the socket error as `cause`, a `TimeoutError`
 * after `timeoutMs` — so they are classified the same.
 */
export function providerFetch(timeoutMs: number) {
  return (input: string | URL, init: FetchInit = {}): Promise<Response> => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const agent = url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : null;
    if (!agent)
      return Promise.reject(new TypeError('fetch failed', { cause: new Error(`unsupported ${url.protocol}`) }));
    const headers: Record<string, string> = Array.isArray(init.headers)
      ? Object.fromEntries(init.headers)
      : { ...init.headers };
    if (typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream)
      return Promise.reject(new TypeError('providerFetch: streamed bodies are not supported'));
    const body =
      init.body == null
        ? undefined
        : init.body instanceof ArrayBuffer || init.body instanceof Uint8Array
          ? Buffer.from(init.body as Uint8Array)
          : String(init.body);
    if (body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(body));
      if (init.body instanceof URLSearchParams && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    return new Promise<Response>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers,
        agent,
      });
      // The DOMException `AbortSignal.timeout` gives `fetch`: openid-client reports it as OAUTH_TIMEOUT.
      const timer = setTimeout(
        () => req.destroy(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
        timeoutMs,
      );
      const fail = (e: Error | DOMException) => {
        clearTimeout(timer);
        reject(e.name === 'TimeoutError' ? e : new TypeError('fetch failed', { cause: e }));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy();
            clearTimeout(timer);
            reject(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          } else chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          const pairs: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          try {
            const empty = status === 204 || status === 304 || init.method === 'HEAD';
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: pairs }));
          } catch (e) {
            reject(e as Error);
          }
        });
      });
      req.end(body);
    });
  };
}
