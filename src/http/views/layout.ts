import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Lanyard } from '../../lanyard.js';
import { type Locale, locales, translator } from '../../i18n/index.js';
import { cookieNames } from '../cookies.js';
import { csrfCookieValue, csrfToken } from '../csrf.js';
import { takeFlash } from '../flash.js';
import { html, raw, type SafeHtml } from '../../lib/html.js';
import { logoMark } from './icons.js';
import { notice } from './components.js';
import { stylesheetPath } from './stylesheet.js';

export interface PageOptions {
  title: string;
  main: SafeHtml;
  status?: number;
  /** Wide pages (profile, review, consoles) get more room; forms stay narrow. */
  wide?: boolean;
}

/**
 * Renders a whole page in the shared layout: landmarks (the demo banner inside the header, so
 * everything is in a region), skip link, the page's card with its h1, the feedback of the last
 * action (setFlash), language switcher, sign-out form.
 */
export function sendPage(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: PageOptions,
): FastifyReply {
  return sendHtml(reply, opts.status, pageFor(lanyard, request, reply, opts));
}

/** The page `sendPage` sends (taking the flash message and setting the CSRF cookie as it does). */
function pageFor(lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply, opts: PageOptions): string {
  const { t, auth } = request;
  const flash = takeFlash(request, reply, lanyard.config);
  const nav = auth
    ? html`<li><a href="/profile">${t('nav.profile')}</a></li>
        ${auth.account.is_admin ? html`<li><a href="/admin">${t('nav.admin')}</a></li>` : ''}
        <li>
          <form method="post" action="/logout" class="inline">
            ${csrfField(lanyard, request, reply)}<button class="link" type="submit">${t('nav.signOut')}</button>
          </form>
        </li>`
    : html`<li><a href="/login">${t('nav.signIn')}</a></li>
        ${lanyard.config.selfRegistration ? html`<li><a href="/register">${t('nav.register')}</a></li>` : ''}`;
  const body = pageHtml(
    lanyard,
    request.locale,
    nav,
    flash ? notice(flash.kind, t(flash.key, flash.params)) : '',
    opts,
  );
  return body.value;
}

const sendHtml = (reply: FastifyReply, status: number | undefined, body: string) =>
  reply
    .code(status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);

/**
 * Per app (its routes and extensions make the page), by locale and key: the text before and after
 * the CSRF token of a page that is otherwise fixed.
 */
const fixedPages = new WeakMap<
  object,
  Map<string, { status: number | undefined; halves: readonly [string, string] }>
>();

/**
 * `sendPage` for a page that, for one `key` and locale, is the same for every signed-out request
 * without a flash message but for its CSRF field — the plain sign-in page, the first page of every
 * password sign-in. It is rendered once (by `render`, which must depend on nothing but the locale
 * for that key) and then sent as the text around this request's token, byte for byte what
 * `sendPage` would send: the same cookie, headers and status. A signed-in request or one carrying
 * a flash message is rendered each time.
 */
export function sendFixedPage(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  key: string,
  render: () => PageOptions,
): FastifyReply {
  if (request.auth || request.cookies[cookieNames(lanyard.config).flash] !== undefined)
    return sendPage(lanyard, request, reply, render());
  let pages = fixedPages.get(request.server);
  if (!pages) fixedPages.set(request.server, (pages = new Map()));
  const id = `${request.locale}:${key}`;
  const known = pages.get(id);
  if (known) {
    const token = csrfToken(csrfCookieValue(request, reply, lanyard.config), lanyard.config);
    return sendHtml(reply, known.status, `${known.halves[0]}${token}${known.halves[1]}`);
  }
  const opts = render();
  const body = pageFor(lanyard, request, reply, opts);
  // The token (43 characters of an HMAC) splits the page in two, unless the page has no CSRF field
  // or the token also stands elsewhere by chance: then this page is not kept.
  const halves = body.split(csrfToken(csrfCookieValue(request, reply, lanyard.config), lanyard.config));
  if (halves.length === 2) pages.set(id, { status: opts.status, halves: [halves[0]!, halves[1]!] });
  return sendHtml(reply, opts.status, body);
}

/**
 * A page in the shared layout for answers written outside Fastify (the OpenID provider's own
 * error and sign-out pages): the same shell, with a plain link to the profile or the sign-in.
 */
export function standalonePage(lanyard: Lanyard, locale: Locale, signedIn: boolean, opts: PageOptions): string {
  const t = translator(locale);
  const nav = signedIn
    ? html`<li><a href="/profile">${t('nav.profile')}</a></li>`
    : html`<li><a href="/login">${t('nav.signIn')}</a></li>`;
  return pageHtml(lanyard, locale, nav, '', opts).value;
}

function pageHtml(lanyard: Lanyard, locale: Locale, nav: SafeHtml, top: SafeHtml | '', opts: PageOptions): SafeHtml {
  const t = translator(locale);
  const demo = lanyard.providers.list.some((p) => p.demo);
  const devMail = lanyard.config.devMailbox;
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} — ${t('app.name')}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="${stylesheetPath}" />
      </head>
      <body>
        <a class="skip" href="#main">${t('nav.skip')}</a>
        <header class="site">
          ${demo ? html`<p class="demo-banner">${t('demo.banner')}</p>` : ''}
          <div class="site-bar">
            <a class="brand" href="/">${raw(logoMark)}${t('app.name')}</a>
            <nav aria-label="${t('nav.main')}">
              <ul>
                ${nav} ${devMail ? html`<li><a href="/dev/mail">${t('nav.devMail')}</a></li>` : ''}
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" tabindex="-1" ${opts.wide ? html` class="wide"` : ''}>
          <div class="card">
            <h1>${opts.title}</h1>
            ${top} ${opts.main}
          </div>
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
}

export function csrfField(lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply): SafeHtml {
  const token = csrfToken(csrfCookieValue(request, reply, lanyard.config), lanyard.config);
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}
