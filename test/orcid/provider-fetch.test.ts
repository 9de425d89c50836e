import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { MAX_ANSWER_BYTES, providerFetch, providerRequest } from '../../src/providers/oauth/fetch.js';
import { classifyProviderError } from '../../src/providers/oauth/errors.js';
import { fetchVerifiedEmails } from '../../src/providers/orcid/emails.js';
import { selfSignedCertificate } from '../support/self-signed.js';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

/** The client Lanyard talks to ORCID with: keep-alive, bounded in time and size, TLS verified. */
describe('provider HTTP client', () => {
  let server: http.Server;
  let base: string;
  /** Requests seen per connection; the handler picks its behaviour by path. */
  const connections: Socket[] = [];
  const seen = new WeakMap<Socket, number>();
  let resets = 0;
  /** Answers /slow has sent (each 5 s after its request). */
  let slowAnswers = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const n = (seen.get(req.socket) ?? 0) + 1;
      seen.set(req.socket, n);
      const url = new URL(req.url!, 'http://x');
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (url.pathname === '/echo') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] ?? null, n }));
        } else if (url.pathname === '/reset-reused' && n > 1) {
          // What a server that closed a kept-alive connection looks like to the next request on it.
          resets++;
          req.socket.resetAndDestroy();
        } else if (url.pathname === '/reset-reused') {
          res.end('fresh');
        } else if (url.pathname === '/reset') {
          resets++;
          req.socket.resetAndDestroy();
        } else if (url.pathname === '/slow') {
          setTimeout(() => {
            slowAnswers++;
            res.end('late');
          }, 5000).unref();
        } else if (url.pathname === '/big') {
          res.setHeader('content-type', 'application/json');
          if (url.searchParams.get('declared') === '1') res.setHeader('content-length', MAX_ANSWER_BYTES + 1);
          const chunk = Buffer.alloc(64 * 1024, 'a');
          for (let sent = 0; sent <= MAX_ANSWER_BYTES; sent += chunk.length) res.write(chunk);
          res.end();
        } else if (url.pathname.endsWith('/email')) {
          // A request without Accept-Encoding accepts any coding (RFC 9110 §12.5.3): a server may
          // compress its answer then, as it may whenever the coding is not refused.
          const accepted = req.headers['accept-encoding'];
          res.setHeader('content-type', 'application/json');
          res.setHeader(
            'x-seen',
            JSON.stringify({ accepted: accepted ?? null, agent: req.headers['user-agent'] ?? null }),
          );
          const json = JSON.stringify({ email: [{ email: 'a@uni.example', verified: true, primary: true }] });
          if (accepted === undefined || /gzip/.test(accepted)) {
            res.setHeader('content-encoding', 'gzip');
            res.end(gzipSync(json));
          } else res.end(json);
        } else if (url.pathname === '/created') {
          res.statusCode = 204;
          res.end();
        } else res.end('ok');
      });
    });
    server.on('connection', (s: Socket) => connections.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('answers come whole, over one kept-alive connection', async () => {
    const before = connections.length;
    const first = await providerRequest(new URL(`${base}/echo`), {}, 2000);
    const second = await providerRequest(new URL(`${base}/echo`), {}, 2000);
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(second.body.toString()), { method: 'GET', body: '', type: null, n: 2 });
    assert.equal(connections.length - before, 1, 'one connection for both');
  });

  test('as a fetch: form bodies are sent as forms, answers are Responses', async () => {
    const fetch = providerFetch(2000);
    const res = await fetch(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ code: 'a b' }) });
    assert.ok(res instanceof Response);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const echoed = (await res.json()) as { method: string; body: string; type: string };
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.body, 'code=a+b');
    assert.equal(echoed.type, 'application/x-www-form-urlencoded;charset=UTF-8');
    const empty = await fetch(`${base}/created`, { method: 'POST', body: 'x' });
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), '');
    // The body reads once, as a Response's does; a clone taken before reads it again.
    const once = await fetch(`${base}/echo`);
    const copy = once.clone();
    assert.equal(once.bodyUsed, false);
    assert.equal(((await once.json()) as { method: string }).method, 'GET');
    assert.equal(once.bodyUsed, true);
    await assert.rejects(once.text(), TypeError);
    assert.throws(() => once.clone(), TypeError);
    assert.equal(JSON.parse(new TextDecoder().decode(await copy.arrayBuffer())).method, 'GET');
  });

  test('a server free to compress is told not to: the answer comes plain, and the client names itself', async () => {
    const emails = await fetchVerifiedEmails(base, '0000-0002-1825-0097', 'token', 2000);
    assert.deepEqual(emails, [{ address: 'a@uni.example', verified: true, primary: true }]);
    const res = await providerRequest(new URL(`${base}/v3.0/x/email`), {}, 2000);
    const seen = JSON.parse(String(res.rawHeaders[res.rawHeaders.findIndex((h) => h.toLowerCase() === 'x-seen') + 1]));
    assert.equal(seen.accepted, 'identity');
    assert.match(seen.agent, /Lanyard/);
  });

  test('a GET on a kept-alive connection the server has closed is sent again on a new one; a POST is not', async () => {
    // The first request opens a connection; the second is reset on it, before any answer.
    assert.equal((await providerRequest(new URL(`${base}/reset-reused`), {}, 2000)).body.toString(), 'fresh');
    resets = 0;
    const again = await providerRequest(new URL(`${base}/reset-reused`), {}, 2000);
    assert.equal(again.body.toString(), 'fresh');
    assert.equal(resets, 1, 'the kept-alive connection was tried first');
    await providerRequest(new URL(`${base}/reset-reused`), {}, 2000);
    resets = 0;
    await assert.rejects(providerRequest(new URL(`${base}/reset-reused`), { method: 'POST', body: 'code=1' }, 2000), {
      name: 'TypeError',
    });
    assert.equal(resets, 1, 'not sent again');
  });

  test('a reset is retried at most once and then reads as a network failure', async () => {
    await providerRequest(new URL(`${base}/ok`), {}, 2000); // a kept-alive connection at hand
    resets = 0;
    await assert.rejects(providerRequest(new URL(`${base}/reset`), {}, 2000), (e: Error) => {
      assert.equal(e.name, 'TypeError');
      assert.equal(classifyProviderError(e, 'ORCID').code, 'PROVIDER_UNAVAILABLE');
      return true;
    });
    assert.equal(resets, 2, 'sent on the kept-alive connection, then once on a new one');
  });

  test('no answer within the timeout: a TimeoutError', async () => {
    const answered = slowAnswers;
    await assert.rejects(providerRequest(new URL(`${base}/slow`), {}, 200), (e: Error) => {
      assert.equal(e.name, 'TimeoutError');
      assert.equal(classifyProviderError(e, 'ORCID').code, 'PROVIDER_UNAVAILABLE');
      return true;
    });
    assert.equal(slowAnswers, answered, 'given up on before the server answered');
  });

  test('an answer larger than the bound is refused, declared or not', async () => {
    for (const declared of ['0', '1'])
      await assert.rejects(providerRequest(new URL(`${base}/big?declared=${declared}`), {}, 5000), (e: Error) => {
        assert.match(e.message, /larger than/);
        assert.equal(classifyProviderError(e, 'ORCID').code, 'PROVIDER_ERROR');
        return true;
      });
    // The client still works afterwards.
    assert.equal((await providerRequest(new URL(`${base}/ok`), {}, 2000)).body.toString(), 'ok');
  });

  test('an aborted signal aborts the request', async () => {
    const controller = new AbortController();
    const pending = providerFetch(5000)(`${base}/slow`, { signal: controller.signal });
    controller.abort(new DOMException('stop', 'AbortError'));
    await assert.rejects(pending, { name: 'AbortError' });
  });

  test('TLS: a certificate the system does not trust is refused; a trusted one is accepted', async (t) => {
    const cert = selfSignedCertificate('localhost');
    t.after(() => cert.remove());
    const tls = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('over tls'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    t.after(() => {
      tls.closeAllConnections();
      tls.close();
    });
    const url = `https://localhost:${(tls.address() as AddressInfo).port}/`;
    await assert.rejects(providerRequest(new URL(url), {}, 2000), (e: Error & { cause?: { code?: string } }) => {
      assert.equal(e.name, 'TypeError');
      assert.equal(e.cause?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      return true;
    });
    // Trusted as an operator trusts an extra CA: NODE_EXTRA_CA_CERTS, read when Node starts.
    // Asynchronously: the server runs in this process.
    const { stdout, stderr } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { providerRequest } = await import(${JSON.stringify(new URL('../../src/providers/oauth/fetch.ts', import.meta.url).href)});
         const a = await providerRequest(new URL(${JSON.stringify(url)}), {}, 5000);
         process.stdout.write(a.status + ' ' + a.body.toString());`,
      ],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert.certPath }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(stdout, '200 over tls', stderr);
  });
});
