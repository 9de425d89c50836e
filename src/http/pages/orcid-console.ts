import { Type } from 'typebox';
import { type OrcidAccess, orcidAccess, scopesToGrant, withdrawOrcidAccess } from '../../accounts/orcid-access.js';
import { LanyardError } from '../../errors.js';
import type { Locale, Translate } from '../../i18n/index.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { OrcidApi } from '../../orcid-api/client.js';
import { tryReadRecord } from '../../orcid-api/record.js';
import { needsConsent } from '../../stores/orcid-works.js';
import { accessSentences } from '../../providers/orcid/scopes.js';
import type { Route } from '../app.js';
import { requireAuth } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { setFlash } from '../flash.js';
import { notice, postButton } from '../views/components.js';
import { csrfField, sendPage } from '../views/layout.js';
import { startSignIn } from './providers.js';
import { when } from './account-activity.js';

export const ORCID_CONSOLE = '/profile/orcid';

/**
 * The account console's ORCID page: what repositories may do on the researcher's ORCID record (the
 * stored token's scopes in plain words), "grant access" (a fresh ORCID authorization with the
 * record scopes; its callback replaces the stored tokens, for the same iD only) and "withdraw"
 * (revoked at ORCID, Lanyard's copy deleted), and the record itself as ORCID shows it to Lanyard.
 */
export const orcidConsoleRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const entry = config.orcid;
  if (!entry) return;
  const provider = lanyard.providers.get('orcid');
  if (!provider) return;

  app.get(ORCID_CONSOLE, async (request, reply) => {
    if (!request.auth) return reply.redirect(`/login?returnTo=${encodeURIComponent(ORCID_CONSOLE)}`, 303);
    const { t, locale } = request;
    const access = await orcidAccess(lanyard, request.auth.account.id);
    const csrf = csrfField(lanyard, request, reply);
    const back = html`<p><a href="/profile">${t('sessions.back')}</a></p>`;
    if (!access)
      return sendPage(lanyard, request, reply, {
        title: t('orcid.console.title'),
        main: html`<p>${t('orcid.console.noIdentity')}</p>${back}`,
      });
    const read: Read = access.tokens
      ? await tryReadRecord(
          new OrcidApi(access.identity.subject, access.tokens.accessToken, access.tokens.scopes, entry),
          lanyard.clock.now(),
        )
      : null;
    return sendPage(lanyard, request, reply, {
      title: t('orcid.console.title'),
      wide: true,
      main: html`<p>${provider.view.identity(access.identity.subject, access.identity.issuer, locale)}</p>
        <p>${t('orcid.console.lead')}</p>
        <h2>${t('orcid.console.access')}</h2>
        ${accessSection(access, csrf, t, {
          toGrant: scopesToGrant(lanyard, access),
          member: entry.member,
          // A write ORCID refused, or ORCID refusing the token to read the record: revoked there.
          lost:
            (await needsConsent(lanyard.db, access.identity.id)) ||
            (read?.ok === false && read.failure === 'invalid_token'),
        })}
        <h2>${t('orcid.console.record')}</h2>
        ${recordSection(read, t, locale)} ${back}`,
    });
  });

  const CsrfBody = Type.Object({ _csrf: CsrfField });

  // The ORCID round trip is itself a fresh proof of the iD, so a stale session may start it.
  app.post(
    `${ORCID_CONSOLE}/grant`,
    { schema: { body: CsrfBody }, config: { guards: ['csrf', 'signedIn'] } },
    async (request, reply) => {
      const { account, session } = requireAuth(request);
      const access = await orcidAccess(lanyard, account.id);
      if (!access) throw new LanyardError('NOT_FOUND', 'No ORCID iD is linked to this account.');
      if (!entry.member)
        throw new LanyardError('FORBIDDEN', 'This service uses ORCID’s public API: there is no more access to grant.');
      return startSignIn(lanyard, reply, provider, {
        returnTo: ORCID_CONSOLE,
        intent: 'consent',
        sessionId: session.id,
        scopes: scopesToGrant(lanyard, access),
      });
    },
  );

  app.post(
    `${ORCID_CONSOLE}/withdraw`,
    { schema: { body: CsrfBody }, config: { guards: ['csrf', 'signedIn'] } },
    async (request, reply) => {
      const { account } = requireAuth(request);
      const { revokedAtOrcid } = await withdrawOrcidAccess(lanyard, account, request.ip);
      setFlash(reply, config, {
        kind: revokedAtOrcid ? 'success' : 'warning',
        key: revokedAtOrcid ? 'flash.orcidWithdrawn' : 'flash.orcidWithdrawnLocally',
      });
      return reply.redirect(ORCID_CONSOLE, 303);
    },
  );
};

function accessSection(
  access: OrcidAccess,
  csrf: SafeHtml,
  t: Translate,
  { toGrant, member, lost }: { toGrant: string[]; member: boolean; lost: boolean },
): SafeHtml {
  const held = access.tokens ? accessSentences(access.tokens.scopes, t) : [];
  const asking = accessSentences(toGrant, t);
  const grant = (label: string) =>
    html`<p class="hint" id="orcid-grant-hint">${t('orcid.console.grantHint')}</p>
      <ul class="orcid-access" aria-labelledby="orcid-grant-hint">
        ${asking.map((s) => html`<li>${s}</li>`)}
      </ul>
      <div class="actions">${postButton(`${ORCID_CONSOLE}/grant`, csrf, label)}</div>`;
  return html`${lost ? notice('warning', t('orcid.console.reconsent')) : ''}
    ${
      held.length
        ? html`<ul class="orcid-access" data-access="held">
          ${held.map((s) => html`<li>${s}</li>`)}
        </ul>`
        : html`<p data-access="none">${t('orcid.console.noAccess')}</p>`
    }
    ${member ? '' : notice('info', t('orcid.console.publicApi'))}
    ${
      member && (access.missing.length || lost || !access.tokens)
        ? grant(t(lost || !access.tokens ? 'orcid.console.regrant' : 'orcid.console.grant'))
        : ''
    }
    ${
      access.tokens
        ? html`<p class="hint">${t('orcid.console.withdrawHint')}</p>
          <div class="actions">
            ${postButton(`${ORCID_CONSOLE}/withdraw`, csrf, t('orcid.console.withdraw'), { weight: 'danger' })}
          </div>`
        : ''
    }`;
}

type Read = Awaited<ReturnType<typeof tryReadRecord>> | null;

function recordSection(read: Read, t: Translate, locale: Locale): SafeHtml {
  if (!read) return html`<p class="muted">${t('orcid.console.notRead')}</p>`;
  if (!read.ok)
    return notice(
      'info',
      t(read.failure === 'invalid_token' ? 'orcid.console.tokenRefused' : 'orcid.console.unreachable'),
      { code: read.failure === 'invalid_token' ? 'ORCID_TOKEN_REFUSED' : 'ORCID_UNREACHABLE' },
    );
  const r = read.read.record;
  const years = (a: string | null, b: string | null) => (a || b ? `${a ?? ''}–${b ?? ''}` : '');
  const list = (heading: string, items: SafeHtml[]) =>
    html`<h3>${heading}</h3>
      ${items.length ? html`<ul class="list orcid-record">${items}</ul>` : html`<p class="muted">${t('orcid.console.empty')}</p>`}`;
  return html`<p class="hint">${t('orcid.console.readAt')} ${when(read.read.readAt, locale)}</p>
    ${list(
      t('orcid.console.works'),
      r.works.map(
        (w) =>
          html`<li data-put-code="${w.putCode}">
            <div>
              <strong>${w.title ?? ''}</strong>
              ${[w.journalTitle, w.publicationDate?.year].filter(Boolean).join(', ')}
              ${w.externalIds
                .filter((i) => i.relationship === 'self')
                .map((i) => html`<br /><span class="muted">${i.type}: ${i.value}</span>`)}
              ${w.sourceClientId && w.sourceName ? html`<br /><span class="muted">${t('orcid.console.addedBy', { source: w.sourceName })}</span>` : ''}
            </div>
          </li>`,
      ),
    )}
    ${(['employments', 'educations'] as const).map((section) =>
      list(
        t(`orcid.console.${section}`),
        r[section].map(
          (a) =>
            html`<li>
              <div>
                <strong>${a.organization ?? ''}</strong>
                ${[a.role, a.department].filter(Boolean).join(', ')}
                <span class="muted">${years(a.startYear, a.endYear)}</span>
              </div>
            </li>`,
        ),
      ),
    )}
    ${list(
      t('orcid.console.fundings'),
      r.fundings.map(
        (f) =>
          html`<li>
            <div>
              <strong>${f.title ?? ''}</strong>
              ${f.organization ?? ''}
            </div>
          </li>`,
      ),
    )}`;
}
