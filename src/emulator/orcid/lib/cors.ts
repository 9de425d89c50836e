// CORS as ORCID answers it on discovery, JWKS, userinfo and the Public API: the request's
// `Origin` echoed with credentials allowed (nemar ADR 0006, citing ORCID-Source
// `CorsFilterWeb.java`; CONTENT_NEGOTIATION.md "CORS"). The token endpoint gets none on purpose
// (ORCID-Source #5977; docs/design.md, ORCID §2.6).
import type { FastifyReply, FastifyRequest } from 'fastify';

export function echoCors(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  if (!origin) return;
  reply
    .header('access-control-allow-origin', origin)
    .header('access-control-allow-credentials', 'true')
    .header('vary', 'Origin');
}
