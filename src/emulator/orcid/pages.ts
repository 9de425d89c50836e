// The emulator's sign-in and consent pages: plain HTML forms (no JavaScript needed), every
// value escaped, labelled as the emulator and not the real ORCID (page-shell.ts). Each button
// re-submits the original authorize query plus one emulator hook (`login_as`, `approve`, `deny`
// or `sign_out`).
import { escapeHtml as e } from './lib/html.js';
import { emulatorPage, idBadge } from './page-shell.js';
import type { EmulatorClient } from './state.js';
import type { EmulatorUser } from './store/users.js';

const HOOKS = new Set(['login_as', 'approve', 'deny', 'sign_out']);

export interface PageContext {
  /** `${baseUrl}/oauth/authorize`. */
  action: string;
  params: URLSearchParams;
  client: EmulatorClient;
  scopes: string[];
}

/** What each scope lets the application do, in the words of ORCID's own authorize page. */
const SCOPE_WORDS: Record<string, string> = {
  openid: 'Get your ORCID iD and name (sign in with OpenID Connect)',
  '/authenticate': 'Get your ORCID iD',
  '/read-limited': 'Read your information with visibility set to Trusted Organizations',
  '/person/read-limited': 'Read your biographical information with visibility set to Trusted Organizations',
  '/activities/read-limited': 'Read your research activities with visibility set to Trusted Organizations',
  '/activities/update': 'Add or update your research activities (works, affiliations, funding)',
  '/person/update': 'Add or update your biographical information (keywords, links, countries)',
};

function hiddenFields(params: URLSearchParams): string {
  return [...params]
    .filter(([name]) => !HOOKS.has(name))
    .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`)
    .join('\n');
}

/** Who asks, and for what: the scopes in words, each with its code. */
function request(ctx: PageContext): string {
  const scopes = ctx.scopes.map((s) => `<li>${e(SCOPE_WORDS[s] ?? s)} <code>${e(s)}</code></li>`).join('\n');
  return `<section class="request" aria-label="The request">
<p><strong>${e(ctx.client.name)}</strong> <span class="client-id">${e(ctx.client.clientId)}</span> asks to:</p>
<ul>${scopes}</ul>
</section>`;
}

function page(title: string, ctx: PageContext, body: string): string {
  return emulatorPage(
    title,
    `<h1>${e(title)}</h1>
${request(ctx)}
<form method="get" action="${e(ctx.action)}">
${hiddenFields(ctx.params)}
${body}
<div class="leave">
<button class="secondary" type="submit" name="deny" value="1">Deny access</button>
<p class="hint">Returns to ${e(ctx.client.name)} without signing in.</p>
</div>
</form>`,
  );
}

function userButtons(users: Iterable<EmulatorUser>): string {
  const items = [...users].map(
    (u) =>
      `<li><button class="user" type="submit" name="login_as" value="${e(u.orcid)}">` +
      `<span class="who">${e(displayName(u))}</span> ${idBadge(u.orcid)} ` +
      `<span class="about">${e(u.description || 'ordinary user')}</span></button></li>`,
  );
  return `<ul class="users">\n${items.join('\n')}\n</ul>`;
}

/**
 * Sign in by picking a fixture user: one click signs in and grants access. With a session (demo
 * mode's `alwaysChooseUser`), "Continue as …" comes first and "Sign out of the emulator" beside it.
 */
export function signInPage(ctx: PageContext, users: Iterable<EmulatorUser>, current?: EmulatorUser): string {
  const continueAs = current
    ? `<p class="signed-in">Signed in to the emulator as <strong>${e(displayName(current))}</strong> ${idBadge(current.orcid)}</p>
<div class="actions">
<button class="primary" type="submit" name="login_as" value="${e(current.orcid)}">Continue as ${e(displayName(current))}</button>
<button class="secondary" type="submit" name="sign_out" value="1">Sign out of the emulator</button>
</div>
<h2>Or sign in as someone else</h2>\n`
    : '<h2>Choose a test user</h2>\n';
  return page(
    'Sign in',
    ctx,
    `${continueAs}<p class="hint">Choose who to sign in as. Signing in grants access at once.</p>\n${userButtons(users)}`,
  );
}

/** Signed in already: authorize, deny, or sign in as somebody else. */
export function consentPage(ctx: PageContext, user: EmulatorUser, users: Iterable<EmulatorUser>): string {
  return page(
    'Authorize access',
    ctx,
    `<p class="signed-in">Signed in as <strong>${e(displayName(user))}</strong> ${idBadge(user.orcid)}</p>
<div class="actions"><button class="primary" type="submit" name="approve" value="1">Authorize access</button></div>
<details><summary>Sign in as someone else</summary>\n${userButtons(users)}\n</details>`,
  );
}

function displayName(u: EmulatorUser): string {
  return [u.name.creditName ?? u.name.givenNames, u.name.creditName ? '' : (u.name.familyName ?? '')].join(' ').trim();
}
