import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { negotiateLocale, translator } from '../i18n/index.js';
import type { Lanyard } from '../lanyard.js';
import { LanyardError } from '../errors.js';
import type { App } from './app.js';
import { sendError } from './errors.js';

/** What Node's http module refuses in a header value (it throws ERR_INVALID_CHAR). */
const invalidHeaderChar = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A Location in plain ASCII: anything else percent-encoded as UTF-8 (a lone surrogate as U+FFFD),
 * which is what a browser sends for the same link anyway.
 */
export function asciiLocation(location: string): string {
  return location.replace(/[^\x21-\x7e]/gu, (c) =>
    encodeURIComponent(/[\ud800-\udfff]/.test(c) && c.length === 1 ? '\ufffd' : c),
  );
}

/**
 * The last wall before the socket, for every route: a Location outside ASCII is encoded, and any
 * other header Node would refuse is dropped and the request fails as INTERNAL through Lanyard's
 * own error handler — so Node's or Fastify's raw message ("Invalid character in header content")
 * never becomes a response body.
 */
export function guardResponses(app: App): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const location = reply.getHeader('location');
    if (typeof location === 'string' && /[^\x21-\x7e]/.test(location))
      reply.header('location', asciiLocation(location));
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      const values = Array.isArray(value) ? value : [value];
      if (!values.some((v) => typeof v === 'string' && invalidHeaderChar.test(v))) continue;
      reply.removeHeader(name);
      throw new LanyardError('INTERNAL', 'A response header could not be sent.', undefined, {
        cause: new Error(`invalid character in header ${name}`),
      });
    }
    return payload;
  });
}

/**
 * Fastify answers a URL it cannot decode (`/%E0%A4%A`) or an over-long path parameter with its
 * own JSON echoing the path; this sends them through Lanyard's error handler instead.
 */
export function frameworkErrors(lanyard: Lanyard) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // The onRequest hooks that set these (and read the cookies) have not run for a request the
    // router refused: the error page must not read what is not there — a throw here is outside
    // every handler and would end the process.
    request.locale = negotiateLocale(request.headers['accept-language']);
    request.t = translator(request.locale);
    request.auth = null;
    request.cookies ??= {};
    return sendError(
      lanyard,
      request,
      reply,
      new LanyardError('VALIDATION_FAILED', 'The URL is malformed.', undefined, { cause: error }),
    );
  };
}
