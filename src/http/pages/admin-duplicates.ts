import {
  DUPLICATES_LIMIT,
  type DuplicateGroup,
  type DuplicateReason,
  possibleDuplicates,
} from '../../accounts/duplicates.js';
import type { Translate } from '../../i18n/index.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { displayNameOf } from '../../stores/accounts.js';
import type { Route } from '../app.js';
import { sendPage } from '../views/layout.js';

const reasons: readonly DuplicateReason[] = ['email', 'orcid', 'name'];

/**
 * "Possible duplicates" (/admin/duplicates): active accounts that share a verified email, an ORCID
 * iD (held by one, hinted by an institution on another) or a name, each group with links to the
 * merge preview into its oldest account. Reading only: the merge itself is the preview's button.
 */
export const adminDuplicatesRoutes: Route = (app, lanyard) => {
  app.get('/admin/duplicates', { config: { guards: ['admin'] } }, async (request, reply) => {
    const { t } = request;
    const groups = await possibleDuplicates(lanyard.db);
    return sendPage(lanyard, request, reply, {
      title: t('admin.duplicates.title'),
      wide: true,
      main: html`<p><a href="/admin">${t('admin.backToConsole')}</a></p>
        <p>${t('admin.duplicates.lead', { limit: DUPLICATES_LIMIT })}</p>
        ${reasons.map((reason) =>
          section(
            reason,
            groups.filter((g) => g.reason === reason),
            t,
          ),
        )}`,
    });
  });
};

function section(reason: DuplicateReason, groups: DuplicateGroup[], t: Translate): SafeHtml {
  const id = `dup-${reason}`;
  return html`<h2 id="${id}">${t(`admin.duplicates.${reason}`)}</h2>
    ${
      groups.length === 0
        ? html`<p class="muted">${t('admin.duplicates.none')}</p>`
        : html`<table aria-labelledby="${id}" class="admin-results" data-duplicates="${reason}">
            <thead>
              <tr>
                <th scope="col">${t('admin.duplicates.shared')}</th>
                <th scope="col">${t('admin.duplicates.accounts')}</th>
                <th scope="col">${t('admin.duplicates.merge')}</th>
              </tr>
            </thead>
            <tbody>
              ${groups.map((g) => {
                const [survivor, ...others] = g.accounts;
                return html`<tr>
                  <td>${g.shared}</td>
                  <td>
                    <ul class="plain">
                      ${g.accounts.map(
                        (a) =>
                          html`<li><a href="/admin/accounts/${a.id}">${displayNameOf(a)}</a> <span class="muted">${a.email}</span></li>`,
                      )}
                    </ul>
                  </td>
                  <td>
                    <ul class="plain">
                      ${others.map(
                        (o) =>
                          html`<li>
                            <a href="/admin/accounts/${survivor!.id}/merge?duplicate=${o.id}"
                              >${t('admin.duplicates.preview', { duplicate: o.email, survivor: survivor!.email })}</a
                            >
                          </li>`,
                      )}
                    </ul>
                  </td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }`;
}
