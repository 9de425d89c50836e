// Applies the fault modes of faults.ts to requests. Each route names its endpoint group in
// its route config; these hooks, added once at the plugin's root, read it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EndpointGroup, FaultDecision } from '../faults.js';
import { sendJson } from '../lib/reply.js';
import type { OrcidEmulatorState } from '../state.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which ORCID emulator fault group a route belongs to. */
    orcidEmulatorGroup?: EndpointGroup;
  }
}

const OAUTH_GROUPS = new Set<EndpointGroup>(['token', 'revoke', 'userinfo']);

// 503 past the burst, as an nginx front end answers it; ORCID documents the status, not the body.
const RATE_LIMITED =
  '<html><head><title>503 Service Temporarily Unavailable</title></head>' +
  '<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function registerFaultHooks(app: FastifyInstance, state: OrcidEmulatorState): void {
  const malformed = new WeakSet<FastifyRequest>();
  const lost = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const group = request.routeOptions.config.orcidEmulatorGroup;
    const fault: FaultDecision | null = group ? state.faults.next(group, state.now()) : null;
    if (!fault) return;
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.refuse) {
      // The closest an HTTP server gets to "connection refused": drop the socket unanswered
      // (destroying the response destroys its socket; under inject() the call rejects).
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    if (fault.status === 500) {
      // The token endpoint's catch-all `server_error` (src@legacy `OAuthErrorUtils`; §1.5).
      if (group && OAUTH_GROUPS.has(group))
        return sendJson(reply, 500, { error: 'server_error', error_description: 'Internal Server Error' });
      return reply.code(500).header('content-type', 'text/plain;charset=UTF-8').send('Internal Server Error');
    }
    if (fault.status === 502 || fault.status === 504) {
      // A front end with nothing (or nothing fast enough) behind it, as nginx answers.
      const text = fault.status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
      return reply
        .code(fault.status)
        .header('content-type', 'text/html')
        .send(`<html><head><title>${text}</title></head><body><center><h1>${text}</h1></center></body></html>`);
    }
    if (fault.status === 503) {
      if (fault.retryAfterSeconds !== null) reply.header('retry-after', String(fault.retryAfterSeconds));
      return reply.code(503).header('content-type', 'text/html').send(RATE_LIMITED);
    }
    if (fault.malformedJson) malformed.add(request);
    if (fault.loseResponse) lost.add(request);
  });

  // Cut a JSON body in half: a client must survive a truncated or garbled answer. Or, for a lost
  // response, drop the socket now that the route has done its work.
  app.addHook('onSend', async (request, reply, payload) => {
    if (lost.has(request)) {
      reply.hijack();
      reply.raw.destroy();
      return payload;
    }
    if (!malformed.has(request) || typeof payload !== 'string') return payload;
    return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
  });
}
