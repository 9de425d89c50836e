// `/{iD}`: the public record page, where ORCID's display guidelines send people who click an iD
// (https://orcid.org/0000-0002-1825-0097). The emulator shows what the public may see, works with
// their source, so a work a repository pushed through a member client can be seen on the record.
import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml as e } from '../lib/html.js';
import { emulatorPage, idBadge, PAGE_CSP } from '../page-shell.js';
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
        .header('content-security-policy', PAGE_CSP)
        .send(emulatorPage('Not found', '<h1>Not found</h1><p>No such ORCID iD in this emulator.</p>'));
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
    const iD = `${state.baseUrl}/${user.orcid}`;
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .send(
        emulatorPage(
          name,
          `<h1>${e(name)}</h1>
<p class="record-id"><a href="${e(iD)}">${idBadge(iD)}</a></p>
<h2>Public emails</h2>${emails ? `<ul class="plain">${emails}</ul>` : '<p>No public email.</p>'}
${places ? `<h2>Employment and education</h2><ul class="plain">${places}</ul>` : ''}
<h2>Works</h2>${works ? `<ul class="works plain">${works}</ul>` : '<p>No public works.</p>'}`,
        ),
      );
  });
};
