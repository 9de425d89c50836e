// `/{iD}`: the public record page, where ORCID's display guidelines send people who click an iD
// (https://orcid.org/0000-0002-1825-0097). The emulator shows what the public may see, works with
// their source, so a work a repository pushed through a member client can be seen on the record.
import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml as e } from '../lib/html.js';
import type { OrcidEmulatorState } from '../state.js';
import type { EmulatorWork } from '../store/works.js';

const ID = /^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;

export const recordPageRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  app.get<{ Params: { orcid: string } }>('/:orcid', async (request, reply) => {
    const user = ID.test(request.params.orcid) ? state.users.get(request.params.orcid) : undefined;
    if (!user)
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><html lang="en"><title>Not found — ORCID emulator</title><p>No such ORCID iD in this emulator.</p></html>',
        );
    const name =
      user.name.visibility === 'public'
        ? (user.name.creditName ?? [user.name.givenNames, user.name.familyName].filter(Boolean).join(' '))
        : 'Name not public';
    const emails = user.emails
      .filter((m) => m.visibility === 'public' && m.verified)
      .map((m) => `<li>${e(m.email)}</li>`)
      .join('');
    const sourceOf = (w: EmulatorWork) =>
      w.source.kind === 'user' ? name : (state.clients.get(w.source.clientId)?.name ?? w.source.clientId);
    const works = user.works
      .filter((w) => w.visibility === 'public')
      .map((w) => {
        const ids = w.externalIds
          .filter((id) => id.relationship === 'self')
          .map((id) => `${e(id.type)}: ${e(id.value)}`)
          .join(', ');
        const year = w.publicationDate ? ` (${e(w.publicationDate.year)})` : '';
        return `<li data-put-code="${w.putCode}"><cite>${e(w.title)}</cite>${year} — ${e(w.type)}${ids ? `; ${ids}` : ''}. <small>Source: ${e(sourceOf(w))}</small></li>`;
      })
      .join('');
    const places = [...user.employments, ...user.educations]
      .filter((a) => a.visibility === 'public')
      .map((a) => `<li>${e([a.role, a.department, a.organization].filter(Boolean).join(', '))}</li>`)
      .join('');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(name)} — ORCID emulator</title></head>
<body><p role="alert"><strong>ORCID emulator — not the real ORCID. Test accounts only.</strong></p>
<main><h1>${e(name)}</h1><p>ORCID iD: <code>${e(state.baseUrl)}/${e(user.orcid)}</code></p>
${emails ? `<h2>Public emails</h2><ul>${emails}</ul>` : '<p>No public email.</p>'}
${places ? `<h2>Employment and education</h2><ul>${places}</ul>` : ''}
<h2>Works</h2>${works ? `<ul class="works">${works}</ul>` : '<p>No public works.</p>'}</main></body></html>`);
  });
};
