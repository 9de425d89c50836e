import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for DSpace's Angular UI on its own origin: every route serves one page whose script
 * makes dspace-angular 9.1's REST calls with the browser's own fetch() and cookies — its
 * interceptors reduced to what they do on the wire (files named in test/api/support/dspace-ui-client.ts):
 * `credentials: 'include'` on every call; `X-XSRF-TOKEN` from the UI's `XSRF-TOKEN` cookie on
 * non-GET calls, refreshed from every answer's `DSPACE-XSRF-TOKEN`; the Bearer token read from the
 * login answer's `Authorization` (decoded for `exp`, kept in the `dsAuthInfo` cookie) and sent on
 * every call but login and status; `Content-Type: application/json; charset=utf-8` by default.
 */
const script = (api: string) => `
const API = ${JSON.stringify(api)};
const cookie = (name) => document.cookie.split('; ').find((c) => c.startsWith(name + '='))?.slice(name.length + 1) ?? null;
const setCookie = (name, value) => { document.cookie = name + '=' + value + '; path=/'; };
let links = null;
let tokenInitialized = false;
const token = () => { const t = cookie('dsAuthInfo'); return t ? JSON.parse(decodeURIComponent(t)) : null; };

async function request(method, url, { headers = {}, body } = {}) {
  if (method !== 'GET' && !tokenInitialized) throw new Error('non-GET before /security/csrf answered');
  const h = new Headers(headers);
  if (!h.has('Content-Type')) h.set('Content-Type', 'application/json; charset=utf-8');
  const auth = /\\/authn\\/(login|status)$/.test(url.split('?')[0]);
  const t = token();
  if (t && !auth && !h.has('Authorization')) h.set('Authorization', 'Bearer ' + t.accessToken);
  const xsrf = cookie('XSRF-TOKEN');
  if (method !== 'GET' && method !== 'HEAD' && xsrf && url.startsWith(API)) h.set('X-XSRF-TOKEN', xsrf);
  const res = await fetch(url, { method, headers: h, body, credentials: 'include' });
  const next = res.headers.get('DSPACE-XSRF-TOKEN');
  if (next) setCookie('XSRF-TOKEN', next);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, json, headers: Object.fromEntries(res.headers) };
}

function keepToken(res) {
  const header = res.headers['authorization'];
  if (!header) throw new Error('no readable Authorization header on the login answer');
  const accessToken = header.replace('Bearer ', '');
  const claims = JSON.parse(atob(accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  setCookie('dsAuthInfo', encodeURIComponent(JSON.stringify({ accessToken, expires: claims.exp * 1000 })));
}

window.dspace = {
  async start() {
    await request('GET', API + '/security/csrf');
    tokenInitialized = true;
    const root = await request('GET', API);
    links = Object.fromEntries(Object.entries(root.json._links).map(([k, v]) => [k, v.href]));
    return links;
  },
  status: () => request('GET', links.authn + '/status', { headers: { Accept: 'application/json' } }),
  async orcidLocation(route) {
    const res = await this.status();
    const header = res.headers['www-authenticate'] || '';
    const realm = (header.match(/(\\w+ (\\w+=((".*?")|[^,]*)(, )?)*)/g) || []).find((r) => r.startsWith('orcid '));
    let location = realm.split(', ')[1].trim().replace('location="', '').replace('"', '');
    const correct = window.location.origin + route;
    return location.replace(/\\?redirectUrl=(.*)/g, '?redirectUrl=' + correct);
  },
  async authenticate(user, password) {
    const res = await request('POST', links.authn + '/login', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'password=' + encodeURIComponent(password) + '&user=' + encodeURIComponent(user),
    });
    if (res.status === 200) keepToken(res);
    return res.status;
  },
  async refreshAuthenticationToken() {
    const t = token();
    const headers = { Accept: 'application/json' };
    if (t) headers.Authorization = 'Bearer ' + t.accessToken;
    const res = await request('POST', links.authn + '/login', { headers, body: '{}' });
    if (res.status === 200) keepToken(res);
    return res.status;
  },
  async authenticatedUser() {
    const status = await request('GET', links.authn + '/status', {
      headers: { Accept: 'application/json', Authorization: 'Bearer ' + token().accessToken },
    });
    return (await request('GET', status.json._links.eperson.href)).json;
  },
  async logout() {
    const res = await request('POST', links.authn + '/logout', { body: '{}' });
    if (res.status === 204) setCookie('dsAuthInfo', '');
    return res.status;
  },
  findByToken: (t) => request('GET', links.registrations + '/search/findByToken?token=' + t).then((r) => r.json),
  patchUpdateRegistration: (values, id, t, op) =>
    request('PATCH', links.registrations + '/' + id + '?token=' + t, {
      body: JSON.stringify([{ op, path: '/email', value: values }]),
    }).then((r) => r.status),
  createEPersonForToken(reg, t) {
    const metadata = {};
    for (const [key, values] of Object.entries(reg.registrationMetadata))
      if (values[0]?.value && key !== 'email')
        metadata[key] = values.map(({ language, value, place, authority, confidence }) => ({ language, value, place, authority, confidence }));
    const eperson = { netid: reg.netId, canLogIn: true, email: reg.email, requireCertificate: false, selfRegistered: true, metadata };
    return request('POST', links.epersons + '?token=' + t, { body: JSON.stringify(eperson) }).then((r) => r.status);
  },
  mergeEPersonDataWithToken(uuid, t, overrides) {
    const base = links.epersons + '/' + uuid + '?token=' + t;
    const calls = overrides.length ? overrides.map((k) => request('POST', base + '&override=' + k)) : [request('POST', base)];
    return Promise.all(calls).then((all) => all.map((r) => r.status));
  },
};
`;

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>DSpace UI stand-in</title>
<script src="/ui.js"></script></head><body><main><h1>DSpace UI stand-in</h1></main></body></html>`;

export interface UiPageServer {
  origin: string;
  /** Lanyard's `/api` base the page talks to (known only once Lanyard listens). */
  api: string;
  close(): Promise<void>;
}

/** Serves the stand-in UI on an ephemeral loopback port: `/ui.js`, and the page for every other path. */
export async function startUiPage(): Promise<UiPageServer> {
  const ui = { api: '' } as UiPageServer;
  const server: Server = createServer((req, res) => {
    if (req.url === '/ui.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script(ui.api));
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  ui.origin = `http://127.0.0.1:${port}`;
  ui.close = () => new Promise((resolve) => server.close(() => resolve()));
  return ui;
}
