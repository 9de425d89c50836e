import { listRecentMails } from '../../stores/outbox.js';
import type { Route } from '../app.js';
import { html } from '../../lib/html.js';
import { sendPage } from '../views/layout.js';
import { notice } from '../views/components.js';
import { fromThisMachine } from '../peer.js';

/**
 * The dev mailbox: in embedded mode without SMTP, every mail Lanyard sends is shown here so a
 * newcomer can follow the links offline — and so are the ones it did not send (held back by the
 * per-address limit, or asked for an address no account uses), marked as such. The route does not
 * exist in any other mode, nor at a public URL that is not this machine's loopback (its links would
 * let anyone reset anyone's password).
 */
export const devMailRoutes: Route = (app, lanyard) => {
  if (!lanyard.config.devMailbox) return;
  app.get('/dev/mail', async (request, reply) => {
    // A loopback public URL does not keep the port from the network (HOST is 0.0.0.0 by default):
    // only a connection from this machine itself reads the mailbox — its peer, not a forwarded header.
    if (!fromThisMachine(request)) return reply.callNotFound();
    const { t } = request;
    const mails = await listRecentMails(lanyard.db, 50);
    return sendPage(lanyard, request, reply, {
      title: t('nav.devMail'),
      wide: true,
      main: html`<p class="lead">${t('devMail.intro')}</p>
        ${mails.length === 0 ? notice('info', t('devMail.empty')) : ''}
        ${mails.map(
          (m) =>
            html`<article
              class="mail"
              aria-labelledby="mail-${m.id}"
              ${m.held_reason ? html` data-held="${m.held_reason}"` : ''}
            >
              <h2 id="mail-${m.id}">${m.subject}</h2>
              <p class="muted">
                ${t('devMail.to')} <strong>${m.to_address}</strong> ·
                <time datetime="${m.created_at.toISOString()}"
                  >${m.created_at.toISOString().slice(0, 19).replace('T', ' ')} UTC</time
                >
                · ${m.kind}
              </p>
              ${m.held_reason === 'rate_limit' ? notice('warning', t('devMail.heldBack', { max: lanyard.config.rateLimit.mailPerHourPerAddress })) : ''}
              ${m.held_reason === 'no_account' ? notice('info', t('devMail.noAccount')) : html`<pre class="mail">${linkify(m.text_body)}</pre>`}
            </article>`,
        )}`,
    });
  });
};

/** Turns the links of a text mail into anchors (only links to this service; the rest stays text). */
function linkify(text: string) {
  return text.split(/(https?:\/\/\S+)/).map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : part));
}
