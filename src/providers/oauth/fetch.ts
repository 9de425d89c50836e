import http from 'node:http';
import https from 'node:https';
import type { Dispatcher } from 'undici';
import { proxyAgentFor, proxyFailure } from '../../lib/outbound-proxy.js';

/**
 * Idle keep-alive connections are closed after this long, or sooner when the server announces a
 * shorter `Keep-Alive: timeout` (Node's agent then closes a second before the server would).
 * Undici, the global `fetch`, keeps idle connections for the same 4 s.
 */
const IDLE_MS = 4000;

/** Keep-alive connections to the providers, shared by every flow of the process. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, timeout: IDLE_MS }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, timeout: IDLE_MS }),
};

/** A provider answer larger than this is refused (token and API answers are a few kB). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Errors of a request sent on a kept-alive connection the server had already closed. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export interface ProviderRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | null;
}

export interface ProviderAnswer {
  status: number;
  /** Header names and values as they came, in pairs. */
  rawHeaders: string[];
  body: Buffer;
}

/**
 * One HTTP request to a provider over a keep-alive connection, its answer read whole: bounded by
 * `timeoutMs` from the call to the end of the answer, and by `MAX_ANSWER_BYTES`. Redirects are
 * never followed. Failures look as the global `fetch`'s do — a `TypeError('fetch failed')` with the
 * socket error as `cause`, a `TimeoutError` after `timeoutMs`, the signal's reason when aborted — so
 * they are classified the same (classifyProviderError).
 *
 * Idle connections are closed before the server would close them (see IDLE_MS), as the global
 * `fetch` does. Should a server close one early anyway, a GET (the API's reads) that finds its
 * kept-alive connection reset before any answer is sent once more on a new connection; other
 * methods are not repeated (a token request carries a single-use code). Why not the global
 * `fetch`: per request it builds a WHATWG Request, Headers and
 * streams; on the sign-in's two calls to ORCID that was a measurable share of Lanyard's CPU
 * (docs/performance.md).
 */
export function providerRequest(url: URL, init: ProviderRequest, timeoutMs: number): Promise<ProviderAnswer> {
  const agent = url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : null;
  if (!agent) return Promise.reject(new TypeError('fetch failed', { cause: new Error(`unsupported ${url.protocol}`) }));
  const signal = init.signal ?? null;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  // What the global `fetch` added by itself: a User-Agent (a provider's firewall may refuse a
  // request without one), and a word on content codings — `fetch` asked for gzip and decoded it;
  // this client decodes nothing, and a request silent on codings accepts any (RFC 9110 §12.5.3).
  const headers: Record<string, string> = { 'user-agent': 'Lanyard', 'accept-encoding': 'identity' };
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = init.body;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const proxy = proxyAgentFor(url);
  if (proxy) return requestThroughProxy(proxy, url, { method: init.method ?? 'GET', headers, body, signal }, timeoutMs);
  const lib = url.protocol === 'https:' ? https : http;

  return new Promise<ProviderAnswer>((resolve, reject) => {
    let settled = false;
    let current: http.ClientRequest | null = null;
    const finish = (error: unknown, answer?: ProviderAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        current?.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const timer = setTimeout(
      () => finish(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const onAbort = () => finish(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    const method = init.method ?? 'GET';
    const send = (retry: boolean) => {
      const req = lib.request(url, { method, headers, agent });
      current = req;
      let answered = false;
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        if (retry && !answered && req.reusedSocket && STALE_CONNECTION.has(e.code ?? '')) send(false);
        else finish(new TypeError('fetch failed', { cause: e }));
      });
      req.on('response', (res) => {
        answered = true;
        const declared = Number(res.headers['content-length']);
        if (declared > MAX_ANSWER_BYTES) {
          finish(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) finish(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', (e) => finish(new TypeError('fetch failed', { cause: e })));
        res.on('close', () => {
          if (!res.complete) finish(new TypeError('fetch failed', { cause: new Error('the answer was cut short') }));
        });
        res.on('end', () =>
          finish(null, {
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          }),
        );
      });
      req.end(body);
    };
    send(method === 'GET' || method === 'HEAD');
  });
}

/**
 * `providerRequest` through a forward proxy (src/lib/outbound-proxy.ts), on undici's keep-alive
 * pool behind the proxy, with the same bounds and the same failures. Without a proxy the request
 * stays on node:http above: that path is the one measured in docs/performance.md.
 */
async function requestThroughProxy(
  proxy: Dispatcher,
  url: URL,
  init: { method: string; headers: Record<string, string>; body: string | undefined; signal: AbortSignal | null },
  timeoutMs: number,
): Promise<ProviderAnswer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const tooLarge = () => new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  const failed = (e: unknown) =>
    signal.aborted ? (signal.reason as Error) : new TypeError('fetch failed', { cause: e });
  let res: Dispatcher.ResponseData;
  try {
    res = await proxy.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: init.method as Dispatcher.HttpMethod,
      headers: init.headers,
      body: init.body ?? null,
      signal,
    });
  } catch (e) {
    throw failed(e);
  }
  const refused = proxyFailure(res.statusCode);
  if (refused) {
    res.body.destroy();
    throw refused;
  }
  if (Number(res.headers['content-length']) > MAX_ANSWER_BYTES) {
    res.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (e) {
    throw size > MAX_ANSWER_BYTES ? e : failed(e);
  }
  const rawHeaders: string[] = [];
  for (const [name, value] of Object.entries(res.headers))
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) rawHeaders.push(name, one);
  return { status: res.statusCode, rawHeaders, body: Buffer.concat(chunks) };
}

type FetchBody = string | URLSearchParams | null | undefined;

/**
 * `providerRequest` as a `fetch` for openid-client's `customFetch`: what it sends (string or form
 * bodies, plain header objects, `redirect: 'manual'`) in, a `Response` out.
 */
export function providerFetch(timeoutMs: number) {
  return async (
    input: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal | null } = {},
  ): Promise<Response> => {
    const raw = init.body as FetchBody | unknown;
    if (raw != null && typeof raw !== 'string' && !(raw instanceof URLSearchParams))
      throw new TypeError('providerFetch: only string and form bodies are sent');
    const headers = { ...init.headers };
    if (raw instanceof URLSearchParams && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    const answer = await providerRequest(
      new URL(input),
      { method: init.method, headers, body: raw == null ? undefined : String(raw), signal: init.signal },
      timeoutMs,
    );
    const pairs: [string, string][] = [];
    for (let i = 0; i < answer.rawHeaders.length; i += 2)
      pairs.push([answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!]);
    const empty = answer.status === 204 || answer.status === 205 || answer.status === 304 || init.method === 'HEAD';
    return bufferedResponse(empty ? null : answer.body, { status: answer.status, headers: pairs });
  };
}

/**
 * A `Response` whose body is the answer already read whole: `json()`, `text()` and `arrayBuffer()`
 * read the buffer, once, as a Response's body reads once; `clone()` copies it. Its `body` stream is
 * null (there is nothing left to stream or to cancel). A Response made with the buffer as its body
 * would wrap it in a WHATWG stream only to read it back (about 20 µs of a token call's CPU, and the
 * stream's transferable machinery showed in profiles).
 */
function bufferedResponse(bytes: Buffer | null, init: ResponseInit): Response {
  const response = new Response(null, init);
  let used = false;
  const take = (): Buffer => {
    if (used) throw new TypeError('Body is unusable: Body has already been read');
    used = true;
    return bytes ?? Buffer.alloc(0);
  };
  const read =
    <T>(as: (b: Buffer) => T) =>
    (): Promise<T> => {
      try {
        return Promise.resolve(as(take()));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    };
  Object.defineProperties(response, {
    bodyUsed: { get: () => used },
    text: { value: read((b) => b.toString('utf8')) },
    json: { value: read((b) => JSON.parse(b.toString('utf8')) as unknown) },
    arrayBuffer: { value: read((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length)) },
    clone: {
      value: () => {
        if (used) throw new TypeError('Response.clone: Body has already been consumed.');
        return bufferedResponse(bytes, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      },
    },
  });
  return response;
}
