import { listRecentMails } from '../../stores/outbox.js';
import type { Route } from '../app.js';
import { html } from '../../lib/html.js';
import { sendPage } from '../views/layout.js';

/**
 * The dev mailbox: in embedded mode without SMTP, every mail Lanyard sends is shown here so a
 * newcomer can follow the links offline. The route does not exist in any other mode.
 */
export const devMailRoutes: Route = (app, lanyard) => {
  if (!lanyard.config.embedded || lanyard.config.smtpUrl) return;
  app.get('/dev/mail', async (request, reply) => {
    const mails = await listRecentMails(lanyard.db, 50);
    return sendPage(lanyard, request, reply, {
      title: request.t('nav.devMail'),
      main: html`<p>Embedded mode without SMTP: mails are kept here instead of being sent. Newest first.</p>
        ${mails.length === 0 ? html`<p>No mail yet.</p>` : ''}
        ${mails.map(
          (m) =>
            html`<article class="mail" aria-label="${m.subject}">
              <h2>${m.subject}</h2>
              <p>To: <strong>${m.to_address}</strong> · ${m.created_at.toISOString()} · ${m.kind}</p>
              <pre class="mail">${linkify(m.text_body)}</pre>
            </article>`,
        )}`,
    });
  });
};

/** Turns the links of a text mail into anchors (only links to this service; the rest stays text). */
function linkify(text: string) {
  return text.split(/(https?:\/\/\S+)/).map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : part));
}
