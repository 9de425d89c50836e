// The emulator's sign-in and consent pages: plain HTML forms (no JavaScript needed), every
// value escaped, loudly labelled as not the real ORCID. Each button re-submits the original
// authorize query plus one emulator hook (`login_as`, `approve` or `deny`).
import { escapeHtml as e } from './lib/html.js';
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

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:0 auto;padding:1rem;color:#222}
.banner{background:#b00020;color:#fff;padding:.6rem 1rem;font-weight:700;border-radius:4px}
button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;cursor:pointer}
.user{display:block;width:100%;text-align:left;background:#f4f7ea;border:1px solid #a6ce39;border-radius:4px}
.deny{background:#fff;border:1px solid #888}.approve{background:#a6ce39;border:1px solid #7d9c2b}
small{color:#555}code{font-size:.95em}`;

function hiddenFields(params: URLSearchParams): string {
  return [...params]
    .filter(([name]) => !HOOKS.has(name))
    .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`)
    .join('\n');
}

function layout(title: string, ctx: PageContext, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)} — ORCID emulator</title><style>${STYLE}</style></head>
<body>
<p class="banner" role="alert">ORCID emulator — not the real ORCID. Test accounts only.</p>
<h1>${e(title)}</h1>
<p><strong>${e(ctx.client.name)}</strong> <small>(<code>${e(ctx.client.clientId)}</code>)</small> asks for:
${ctx.scopes.map((s) => `<code>${e(s)}</code>`).join(', ')}</p>
<form method="get" action="${e(ctx.action)}">
${hiddenFields(ctx.params)}
${body}
<p><button class="deny" type="submit" name="deny" value="1">Deny access</button></p>
</form>
</body></html>`;
}

function userButtons(users: Iterable<EmulatorUser>): string {
  const items = [...users].map((u) => {
    return (
      `<li><button class="user" type="submit" name="login_as" value="${e(u.orcid)}">${e(displayName(u))} ` +
      `<code>${e(u.orcid)}</code><br><small>${e(u.description || 'ordinary user')}</small></button></li>`
    );
  });
  return `<ul style="list-style:none;padding:0">\n${items.join('\n')}\n</ul>`;
}

/**
 * Sign in by picking a fixture user: one click signs in and grants access. With a session (demo
 * mode's `alwaysChooseUser`), "Continue as …" comes first and "Sign out of the emulator" last.
 */
export function signInPage(ctx: PageContext, users: Iterable<EmulatorUser>, current?: EmulatorUser): string {
  const continueAs = current
    ? `<p>Signed in to the emulator as <strong>${e(displayName(current))}</strong> <code>${e(current.orcid)}</code>.</p>
<p><button class="approve" type="submit" name="login_as" value="${e(current.orcid)}">Continue as ${e(displayName(current))}</button>
<button class="deny" type="submit" name="sign_out" value="1">Sign out of the emulator</button></p>
<h2>Or sign in as someone else</h2>\n`
    : '';
  return layout(
    'Sign in',
    ctx,
    `${continueAs}<p>Choose who to sign in as. Signing in grants access at once.</p>\n${userButtons(users)}`,
  );
}

/** Signed in already: authorize, deny, or sign in as somebody else. */
export function consentPage(ctx: PageContext, user: EmulatorUser, users: Iterable<EmulatorUser>): string {
  return layout(
    'Authorize access',
    ctx,
    `<p>Signed in as <strong>${e(user.name.givenNames)} ${e(user.name.familyName ?? '')}</strong>
<code>${e(user.orcid)}</code>.</p>
<p><button class="approve" type="submit" name="approve" value="1">Authorize access</button></p>
<details><summary>Sign in as someone else</summary>\n${userButtons(users)}\n</details>`,
  );
}

function displayName(u: EmulatorUser): string {
  return [u.name.creditName ?? u.name.givenNames, u.name.creditName ? '' : (u.name.familyName ?? '')].join(' ').trim();
}
