import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { LanyardError } from '../../errors.js';
import type { Locale, Translate } from '../../i18n/index.js';
import { html, type HtmlValue, type SafeHtml } from '../../lib/html.js';
import { checkClientRequest, ClientInputError } from '../../openid-provider/client-input.js';
import { OIDC_PATH } from '../../openid-provider/paths.js';
import { recordAudit } from '../../stores/audit.js';
import {
  addOidcClient,
  clientAuthMethods,
  findOidcClient,
  listOidcClients,
  type OidcClient,
  removeOidcClient,
  rotateOidcClientSecret,
} from '../../stores/oidc-clients.js';
import type { Route } from '../app.js';
import { requireAuth } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { setFlash } from '../flash.js';
import { facts, postButton, sentence } from '../views/components.js';
import { csrfField, sendPage } from '../views/layout.js';
import { detail, when } from './account-activity.js';

const CLIENTS = '/admin/clients';
const clientPath = (id: string) => `${CLIENTS}/${encodeURIComponent(id)}`;

/**
 * The OpenID provider's clients in the operators' console (/admin/clients), as `npx lanyard
 * clients` manages them: list, add (validated by the CLI's own checks), rotate a secret, remove
 * (with its grants and tokens). A secret is shown once, on the page answering the form, and never
 * stored in clear nor put in a URL. Every form: admin role, CSRF, a recent sign-in, audited with the
 * operator as actor.
 */
export const adminClientsRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const issuer = `${config.publicUrl}${OIDC_PATH}`;

  app.get(CLIENTS, { config: { guards: ['admin'] } }, async (request, reply) => {
    const { t, locale } = request;
    const clients = await listOidcClients(lanyard.db);
    const csrf = csrfField(lanyard, request, reply);
    return sendPage(lanyard, request, reply, {
      title: t('admin.clients.title'),
      wide: true,
      main: html`<p><a href="/admin">${t('admin.backToConsole')}</a></p>
        <p>${sentence(t, 'admin.clients.lead', { issuer, command: 'npx lanyard clients' }, ['issuer', 'command'], 'code')}</p>
        <h2 id="clients">${t('admin.clients.registered', { count: clients.length })}</h2>
        ${
          clients.length === 0
            ? html`<p class="muted">${t('admin.clients.none')}</p>`
            : html`<ul class="list clients" aria-labelledby="clients" data-clients>
                ${clients.map(
                  (c) =>
                    html`<li data-client="${c.client_id}">
                      <div class="client-head">
                        <strong>${c.client_name}</strong>
                        <div class="actions">
                          ${
                            c.token_endpoint_auth_method === 'none'
                              ? ''
                              : postButton(
                                  `${clientPath(c.client_id)}/rotate-secret`,
                                  csrf,
                                  t('admin.clients.rotate'),
                                  {
                                    inline: true,
                                    weight: 'secondary',
                                    ariaLabel: `${t('admin.clients.rotate')}: ${c.client_name}`,
                                  },
                                )
                          }
                          <a
                            href="${clientPath(c.client_id)}/remove"
                            aria-label="${t('admin.clients.remove')}: ${c.client_name}"
                            >${t('admin.clients.remove')}</a
                          >
                        </div>
                      </div>
                      ${details(c, t, locale)}
                    </li>`,
                )}
              </ul>`
        }
        <form method="post" action="${CLIENTS}" class="admin-client-add">
          <h2>${t('admin.clients.add')}</h2>
          ${csrf}
          <div class="field">
            <label for="f-name">${t('admin.clients.name')}</label>
            <input id="f-name" name="name" type="text" required maxlength="200" autocomplete="off" />
          </div>
          <div class="field">
            <label for="f-redirect">${t('admin.clients.redirectUris')}</label>
            <p class="hint" id="f-redirect-hint">${t('admin.clients.redirectHint')}</p>
            <textarea id="f-redirect" name="redirect_uris" rows="3" required maxlength="4000" aria-describedby="f-redirect-hint"></textarea>
          </div>
          <div class="field">
            <label for="f-auth">${t('admin.clients.auth')}</label>
            <select id="f-auth" name="auth">
              ${clientAuthMethods.map((m) => html`<option value="${m}">${t(`admin.clients.auth.${m}`)}</option>`)}
            </select>
          </div>
          <p class="confirm">
            <input id="f-consent" name="consent" type="checkbox" value="yes" /><label for="f-consent"
              >${t('admin.clients.consentLabel')}</label
            >
          </p>
          <div class="actions"><button type="submit">${t('admin.clients.addButton')}</button></div>
        </form>`,
    });
  });

  const action = {
    config: { guards: ['csrf', 'admin', 'freshSignIn'] as const, reauthReturnTo: () => CLIENTS },
  };
  const AddBody = Type.Object({
    _csrf: CsrfField,
    name: Type.String({ maxLength: 200 }),
    redirect_uris: Type.String({ maxLength: 4000 }),
    auth: Type.Optional(Type.String({ maxLength: 40 })),
    consent: Type.Optional(Type.String({ maxLength: 10 })),
  });

  app.post(CLIENTS, { ...action, schema: { body: AddBody } }, async (request, reply) => {
    const { account: operator } = requireAuth(request);
    const { body } = request;
    let input;
    try {
      input = checkClientRequest({
        name: body.name,
        redirectUris: body.redirect_uris.split(/\s+/).filter(Boolean),
        auth: body.auth || undefined,
        consent: body.consent !== undefined,
      });
    } catch (err) {
      if (err instanceof ClientInputError)
        throw new LanyardError('VALIDATION_FAILED', err.message, { field: err.field });
      throw err;
    }
    const { client, secret } = await lanyard.db.transaction().execute(async (tx) => {
      const now = lanyard.clock.now();
      const added = await addOidcClient(tx, input, now);
      await recordAudit(
        tx,
        {
          action: 'admin_action',
          actorAccountId: operator.id,
          ip: request.ip,
          detail: { oidcClient: 'added', client_id: added.client.client_id, client_name: added.client.client_name },
        },
        now,
      );
      return added;
    });
    return secretPage(request, reply, client, secret, 'added');
  });

  const ClientParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
  const CsrfBody = Type.Object({ _csrf: CsrfField });

  /** The client an operator acts on, or NOT_FOUND before anything changes. */
  const target = async (id: string): Promise<OidcClient> => {
    const client = await findOidcClient(lanyard.db, id);
    if (!client) throw new LanyardError('NOT_FOUND', 'No client has this id.');
    return client;
  };

  app.post(
    `${CLIENTS}/:id/rotate-secret`,
    { ...action, schema: { params: ClientParams, body: CsrfBody } },
    async (request, reply) => {
      const { account: operator } = requireAuth(request);
      const client = await target(request.params.id);
      if (client.token_endpoint_auth_method === 'none')
        throw new LanyardError('VALIDATION_FAILED', 'A public client has no secret.', { field: 'client' });
      const secret = await lanyard.db.transaction().execute(async (tx) => {
        const rotated = await rotateOidcClientSecret(tx, client.client_id);
        if (!rotated) throw new LanyardError('NOT_FOUND', 'No client has this id.');
        await recordAudit(
          tx,
          {
            action: 'admin_action',
            actorAccountId: operator.id,
            ip: request.ip,
            detail: { oidcClient: 'secret_rotated', client_id: client.client_id, client_name: client.client_name },
          },
          lanyard.clock.now(),
        );
        return rotated;
      });
      return secretPage(request, reply, client, secret, 'rotated');
    },
  );

  app.get(
    `${CLIENTS}/:id/remove`,
    { schema: { params: ClientParams }, config: { guards: ['admin'] } },
    async (request, reply) => {
      const { t } = request;
      const client = await target(request.params.id);
      const csrf = csrfField(lanyard, request, reply);
      return sendPage(lanyard, request, reply, {
        title: t('admin.clients.removeTitle', { name: client.client_name }),
        main: html`<p>${t('admin.clients.removeIntro', { name: client.client_name })}</p>
          ${facts([[t('admin.clients.clientId'), html`<code>${client.client_id}</code>`]])}
          <div class="actions">
            ${postButton(`${clientPath(client.client_id)}/remove`, csrf, t('admin.clients.removeConfirm'), {
              weight: 'danger',
            })}
            <a href="${CLIENTS}">${t('admin.clients.back')}</a>
          </div>`,
      });
    },
  );

  app.post(
    `${CLIENTS}/:id/remove`,
    { ...action, schema: { params: ClientParams, body: CsrfBody } },
    async (request, reply) => {
      const { account: operator } = requireAuth(request);
      const client = await target(request.params.id);
      if (!(await removeOidcClient(lanyard.db, client.client_id)))
        throw new LanyardError('NOT_FOUND', 'No client has this id.');
      await recordAudit(
        lanyard.db,
        {
          action: 'admin_action',
          actorAccountId: operator.id,
          ip: request.ip,
          detail: { oidcClient: 'removed', client_id: client.client_id, client_name: client.client_name },
        },
        lanyard.clock.now(),
      );
      setFlash(reply, config, {
        kind: 'success',
        key: 'flash.admin.clientRemoved',
        params: { name: client.client_name },
      });
      return reply.redirect(CLIENTS, 303);
    },
  );

  /** The one page that ever shows a client's secret: not cached, not redirected to. */
  function secretPage(
    request: FastifyRequest,
    reply: FastifyReply,
    client: OidcClient,
    secret: string | null,
    what: 'added' | 'rotated',
  ) {
    const { t } = request;
    reply.header('cache-control', 'no-store');
    return sendPage(lanyard, request, reply, {
      title: t(what === 'added' ? 'admin.clients.addedTitle' : 'admin.clients.rotatedTitle', {
        name: client.client_name,
      }),
      main: html`<div class="notice notice-success" role="status">
          <p>${t(what === 'added' ? 'admin.clients.added' : 'admin.clients.rotated', { name: client.client_name })}</p>
        </div>
        ${facts([
          [t('admin.clients.issuer'), html`<code>${issuer}</code>`],
          [t('admin.clients.clientId'), html`<code data-client-id>${client.client_id}</code>`],
          [t('admin.clients.secret'), secret ? html`<code data-secret>${secret}</code>` : t('admin.clients.noSecret')],
        ])}
        ${secret ? html`<p class="hint">${t('admin.clients.secretOnce')}</p>` : ''}
        <p><a href="${CLIENTS}">${t('admin.clients.back')}</a></p>`,
    });
  }
};

/** Auth method, consent, subject type, resource server and creation, as a compact list. */
function details(c: OidcClient, t: Translate, locale: Locale): SafeHtml {
  return html`<dl class="facts compact">
    ${detail(t('admin.clients.clientId'), html`<code>${c.client_id}</code>`)}
    <dt>${t('admin.clients.redirectUris')}</dt>
    <dd>
      ${
        c.redirect_uris.length
          ? html`<ul class="plain">
              ${c.redirect_uris.map((u) => html`<li><code>${u}</code></li>`)}
            </ul>`
          : html`<span class="muted">${t('admin.clients.noRedirect')}</span>`
      }
    </dd>
    ${detail(t('admin.clients.auth'), html`<code>${c.token_endpoint_auth_method}</code>`)}
    ${detail(
      t('admin.clients.consent'),
      c.lanyard_first_party === false ? t('admin.clients.consentAsked') : t('admin.clients.consentNotAsked'),
    )}
    ${detail(t('admin.clients.subject'), html`<code>${c.subject_type ?? 'public'}</code>`)}
    ${detail(
      t('admin.clients.resourceServer'),
      c.lanyard_resource_server === true ? t('admin.clients.yes') : t('admin.clients.no'),
    )}
    ${detail(t('admin.clients.created'), when(new Date(c.client_id_issued_at * 1000), locale))}
  </dl>`;
}
