import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { isLoopback } from '../../../lib/loopback.js';
import { outboundFetch } from '../../../lib/outbound-proxy.js';

export type Download =
  { status: 'not-modified' } | { status: 'ok'; file: string; digest: string; etag: string | null; bytes: number };

/**
 * Downloads metadata to `workDir`, hashing it on the way: never more than `maxBytes`, never over
 * plain http except to a loopback address, and with `etag` a conditional GET, so an unchanged
 * aggregate of 70 MB costs one round trip. Redirects are followed by hand (at most 5), each target
 * checked before it is contacted, so a redirect cannot move the download to plain http.
 */
export async function downloadMetadata(
  url: string,
  opts: { workDir: string; maxBytes: number; timeoutMs: number; etag: string | null },
): Promise<Download> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let target = new URL(url);
  let res: Response;
  for (let hop = 0; ; hop++) {
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopback(target.hostname)))
      throw new Error(
        `${hop ? 'the metadata URL redirected to' : 'the metadata URL is'} ${target.protocol}//${target.host}: only https is accepted (plain http only on loopback)`,
      );
    const get = () =>
      outboundFetch(target, {
        headers: {
          accept: 'application/samlmetadata+xml, application/xml;q=0.9, */*;q=0.1',
          ...(opts.etag ? { 'if-none-match': opts.etag } : {}),
        },
        redirect: 'manual',
        signal,
      });
    // A kept-alive connection the server closed just then fails the request before it is sent:
    // one more try on a fresh connection (a GET), instead of waiting for the next refresh.
    res = await get().catch((e: unknown) => {
      if (signal.aborted || !(e instanceof TypeError)) throw e;
      return get();
    });
    const location = res.headers.get('location');
    if (![301, 302, 303, 307, 308].includes(res.status) || !location) break;
    await res.body?.cancel();
    if (hop >= 5) throw new Error('the metadata URL redirected more than 5 times');
    target = new URL(location, target);
  }
  // Every answer not read to the end is cancelled, so its connection is released at once rather
  // than whenever the response is collected (an unread 70 MB body would hold it open).
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: 'not-modified' };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`the metadata URL answered HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > opts.maxBytes) {
    await res.body.cancel();
    throw tooLarge(opts.maxBytes);
  }
  const file = join(opts.workDir, 'metadata.xml');
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > opts.maxBytes) throw tooLarge(opts.maxBytes);
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { status: 'ok', file, digest: hash.digest('hex'), etag: res.headers.get('etag'), bytes };
}

/** The SHA-256 of a local metadata file, read as a stream. */
export async function digestFile(file: string): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), bytes };
}

const tooLarge = (max: number) =>
  new Error(`the metadata is larger than ${Math.round(max / 1024 / 1024)} MB (maxMetadataMegabytes)`);
