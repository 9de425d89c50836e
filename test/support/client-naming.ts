import assert from 'node:assert/strict';
import type { Db } from '../../src/db/connect.js';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import type { Browser, Page } from './browser.js';

/** Where the repositories registered here send their codes (nothing listens there). */
export const REDIRECT = 'http://127.0.0.1:9/callback';

/** The sentence naming the repository, as the page shows it (tags stripped), or undefined. */
export function namedClient(page: Page): string | undefined {
  const p = /<p class="lead for-client"[^>]*>([\s\S]*?)<\/p>/.exec(page.body)?.[1];
  return p
    ?.replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Registers a repository named `name` (confidential, `client_secret_basic`); its client id. */
export async function registerRepository(db: Db, name: string): Promise<string> {
  const { client } = await addOidcClient(
    db,
    { name, redirectUris: [REDIRECT], auth: 'client_secret_basic' },
    new Date(),
  );
  return client.client_id;
}

/** A repository's authorization request to Lanyard at `baseUrl`, followed to the sign-in page. */
export async function authorizationToLogin(b: Browser, baseUrl: string, clientId: string, lang = 'en'): Promise<Page> {
  const url = new URL(`${baseUrl}/oidc/auth`);
  for (const [k, v] of Object.entries({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid email',
    state: 'state-1',
    nonce: 'nonce-1',
    ui_locales: lang,
  }))
    url.searchParams.set(k, v);
  const login = await b.follow(await b.get(url.href, { 'accept-language': lang }));
  assert.equal(login.status, 200);
  assert.equal(new URL(login.url).pathname, '/login');
  return login;
}
