import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Lanyard } from '../../lanyard.js';
import { locales, translator } from '../../i18n/index.js';
import { csrfCookieValue, csrfToken } from '../csrf.js';
import { html, type SafeHtml } from '../../lib/html.js';

export interface PageOptions {
  title: string;
  main: SafeHtml;
  status?: number;
}

/** Renders a whole page in the shared layout: landmarks, skip link, language switcher, sign-out form. */
export function sendPage(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: PageOptions,
): FastifyReply {
  const { t, locale, auth } = request;
  const demo = lanyard.config.orcid?.env === 'emulator';
  const devMail = lanyard.config.embedded && !lanyard.config.smtpUrl;
  const body = html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} — ${t('app.name')}</title>
        <link rel="stylesheet" href="/assets/lanyard.css" />
      </head>
      <body>
        <a class="skip" href="#main">${t('nav.skip')}</a>
        ${demo ? html`<p class="banner" role="note">${t('demo.banner')}</p>` : ''}
        <header class="site">
          <a class="brand" href="/">${t('app.name')}</a>
          <nav aria-label="${t('app.name')}">
            <ul>
              ${
                auth
                  ? html`<li><a href="/profile">${t('nav.profile')}</a></li>
                      <li>
                        <form method="post" action="/logout">
                          ${csrfField(lanyard, request, reply)}<button class="link" type="submit">
                            ${t('nav.signOut')}
                          </button>
                        </form>
                      </li>`
                  : html`<li><a href="/login">${t('nav.signIn')}</a></li>
                      ${lanyard.config.selfRegistration ? html`<li><a href="/register">${t('nav.register')}</a></li>` : ''}`
              }
              ${devMail ? html`<li><a href="/dev/mail">${t('nav.devMail')}</a></li>` : ''}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex="-1">
          <h1>${opts.title}</h1>
          ${opts.main}
        </main>
        <footer class="site">
          <p>${t('footer.text')}</p>
          <nav aria-label="${t('nav.language')}">
            <ul>
              ${locales.map((l) => html`<li><a href="?lang=${l}" lang="${l}" hreflang="${l}" ${l === locale ? html` aria-current="true"` : ''}>${translator(l)('lang.name')}</a></li>`)}
            </ul>
          </nav>
        </footer>
      </body>
    </html>`;
  return reply
    .code(opts.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body.value);
}

export function csrfField(lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply): SafeHtml {
  const token = csrfToken(csrfCookieValue(request, reply, lanyard.config), lanyard.config);
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}
