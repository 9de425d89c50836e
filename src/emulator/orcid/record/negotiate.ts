// `Accept` negotiation for the record API. JSON only when asked for: a missing `Accept`, or
// `*/*` (what Node's fetch sends), gets XML (nemar-observed; docs/design.md, ORCID §2.1). The types
// and ORCID's server weights `qs` come from ORCID-Source `OrcidApiConstants` and the
// `@Produces` of `PublicV3ApiServiceImplV3_0` (CONTENT_NEGOTIATION.md).

import type { FastifyReply } from 'fastify';
import { toXml } from './xml.js';

export type Representation =
  { kind: 'json'; contentType: string; pretty: boolean } | { kind: 'xml'; contentType: string };

interface ServerType {
  type: string;
  qs: number;
  json: boolean;
}

const SERVER_TYPES: readonly ServerType[] = [
  { type: 'application/json', qs: 1, json: true },
  { type: 'application/vnd.orcid+json', qs: 0.4, json: true },
  { type: 'application/orcid+json', qs: 0.2, json: true },
  { type: 'application/xml', qs: 1, json: false },
  { type: 'application/vnd.orcid+xml', qs: 0.5, json: false },
  { type: 'application/orcid+xml', qs: 0.3, json: false },
];
const BEST_XML = SERVER_TYPES[3]!;

function represent(server: ServerType): Representation {
  const contentType = `${server.type};charset=UTF-8`;
  // The two ORCID JSON types come back pretty-printed, plain application/json compact.
  return server.json
    ? { kind: 'json', contentType, pretty: server.type !== 'application/json' }
    : { kind: 'xml', contentType };
}

/**
 * The representation for an `Accept` header, or null when nothing acceptable is produced (406).
 * Ranges are ranked by the client's `q`, then ORCID's `qs`, then specificity, then position;
 * a wildcard answers XML, which is why `Accept: application/json` must be sent explicitly.
 */
export function negotiate(accept: string | undefined): Representation | null {
  if (accept === undefined || accept.trim() === '') return represent(BEST_XML);
  const options: { server: ServerType; q: number; specific: number; index: number }[] = [];
  accept.split(',').forEach((element, index) => {
    const [range = '', ...params] = element.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) return;
    if (range === '*/*' || range === 'application/*') {
      options.push({ server: BEST_XML, q, specific: 0, index });
      return;
    }
    const server = SERVER_TYPES.find((s) => s.type === range);
    if (server) options.push({ server, q, specific: 1, index });
  });
  options.sort((a, b) => b.q - a.q || b.server.qs - a.server.qs || b.specific - a.specific || a.index - b.index);
  return options[0] ? represent(options[0].server) : null;
}

/** `body` in the negotiated representation: XML under `root` in namespace `ns`, or (pretty) JSON. */
export function sendRepresented(
  reply: FastifyReply,
  rep: Representation,
  status: number,
  body: unknown,
  xml: { root: string; ns: string },
): FastifyReply {
  reply.code(status).header('content-type', rep.contentType);
  if (rep.kind === 'xml') return reply.send(toXml(xml.root, xml.ns, body));
  return reply.send(rep.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body));
}
