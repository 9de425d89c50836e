import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findOidcClient } from '../../src/stores/oidc-clients.js';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { authorizationToLogin, namedClient, REDIRECT, registerRepository } from '../support/client-naming.js';
import { backends, skipReason } from '../support/databases.js';
import { signWithXmlsec1, writeAggregate } from '../support/federation.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { createPasswordAccount } from '../support/orcid.js';
import { testKeys } from '../support/saml-idp.js';
import { spKeys } from '../support/saml-sign-in.js';
import type { TestApp } from '../support/test-app.js';

const FEDERATION = testKeys(0);

/**
 * When Lanyard's OpenID provider sends a person to sign in for a repository, the sign-in page and
 * the federation's institution choice name that repository, as its registration names it: read from
 * the stored authorization request, never from the URL. A real code flow over HTTP, with a
 * federation entry configured beside the password form.
 */
for (const backend of backends()) {
  describe(`the sign-in page names the repository [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let dir = '';
    before(async () => {
      if (reason) return;
      dir = mkdtempSync(join(tmpdir(), 'lanyard-for-client-'));
      await writeAggregate(join(dir, 'unsigned.xml'), { idps: 3, id: '_for_client', logos: false });
      await signWithXmlsec1(join(dir, 'unsigned.xml'), join(dir, 'aggregate.xml'), FEDERATION);
      const providers = [
        {
          id: 'fed',
          type: 'saml',
          label: { en: 'Example Federation', de: 'Beispiel-Föderation' },
          federationMetadataFile: join(dir, 'aggregate.xml'),
          federationCert: FEDERATION.certificate,
          ...spKeys(),
        },
      ];
      app = await createListeningTestApp(backend, { LANYARD_PROVIDERS: JSON.stringify(providers) });
    });
    after(async () => {
      await app?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    const register = (name: string) => registerRepository(app.lanyard.db, name);
    /** A repository's authorization request, followed to Lanyard's sign-in page. */
    const toLogin = (b: Browser, clientId: string, lang = 'en') => authorizationToLogin(b, app.url, clientId, lang);

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a code flow from a registered client: /login names it, in English and German, escaped', async () => {
        const clientId = await register('Repository <i>of</i> "Research" & Data');
        const en = await toLogin(browser(), clientId);
        assert.equal(
          namedClient(en),
          'Sign in to continue to Repository &lt;i&gt;of&lt;/i&gt; &quot;Research&quot; &amp; Data.',
        );
        assert.ok(!en.body.includes('<i>of</i>'), 'the name is escaped');
        const b = browser();
        await b.get(`${app.url}/login?lang=de`);
        const de = await toLogin(b, clientId, 'de');
        assert.match(namedClient(de)!, /^Melden Sie sich an, um mit Repository &lt;i&gt;of.* fortzufahren\.$/);
      });

      test('a wrong password keeps the name; signing in goes on to that client', async () => {
        const clientId = await register('Signing Repository');
        const account = await createPasswordAccount(app, uniqueEmail('for-client'));
        const b = browser();
        const login = await toLogin(b, clientId);
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const refused = await b.post(`${app.url}/login`, { email: account.email, password: 'wrong', returnTo });
        assert.equal(refused.status, 401);
        assert.equal(namedClient(refused), 'Sign in to continue to Signing Repository.');
        const signedIn = await b.post(`${app.url}/login`, { email: account.email, password: PASSWORD, returnTo });
        assert.equal(signedIn.status, 303);
        let page = signedIn;
        for (let i = 0; i < 6 && page.location && !page.location.startsWith(REDIRECT); i++)
          page = await b.get(new URL(page.location, page.url).href);
        assert.ok(page.location?.startsWith(`${REDIRECT}?code=`), `went on to ${page.location}`);
      });

      test('the name comes from the stored request: parameters in the URL change nothing', async () => {
        const real = await register('Real Repository');
        const other = await register('Other Repository');
        const login = await toLogin(browser(), real);
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const b = browser();
        const forged = await b.get(
          `${app.url}/login?returnTo=${encodeURIComponent(returnTo)}&client_id=${other}&client_name=Evil&client=Evil`,
        );
        assert.equal(namedClient(forged), 'Sign in to continue to Real Repository.');
        // A client id carried inside returnTo, an interaction that does not exist, a look-alike path:
        // no repository is named at all.
        for (const target of [
          `${returnTo}?client_id=${other}`,
          '/interaction/no-such-interaction',
          `/interaction/${other}`,
          `/oidc/auth?client_id=${other}`,
          `${returnTo}/consent`,
        ]) {
          const page = await b.get(`${app.url}/login?returnTo=${encodeURIComponent(target)}`);
          assert.equal(page.status, 200);
          assert.equal(namedClient(page), undefined, target);
        }
      });

      test('a plain /login and a sign-in for Lanyard itself name no repository', async () => {
        const b = browser();
        for (const path of ['/login', '/login?returnTo=%2Fprofile', '/login?reauth=1&returnTo=%2Fprofile%2Fsessions']) {
          const page = await b.get(`${app.url}${path}`);
          assert.equal(page.status, 200);
          assert.equal(namedClient(page), undefined, path);
          assert.ok(!page.body.includes('continue to'), path);
        }
      });

      test('a client registered without a name is named by its client ID', async () => {
        const clientId = await register('Soon Nameless');
        // oidc-provider refuses an empty name; a registration may still lack one altogether.
        const { client_name: _name, ...nameless } = (await findOidcClient(app.lanyard.db, clientId))!;
        await app.lanyard.db
          .updateTable('oidc_payload')
          .set({ payload: JSON.stringify(nameless) })
          .where('model', '=', 'Client')
          .where('id', '=', clientId)
          .execute();
        const login = await toLogin(browser(), clientId);
        assert.equal(namedClient(login), `Sign in to continue to the application registered here as ${clientId}.`);
      });

      test("the federation's institution choice names the repository too", async () => {
        const clientId = await register('Federated Repository');
        const b = browser();
        const login = await toLogin(b, clientId);
        const start = /href="(\/auth\/fed\?returnTo=[^"]+)"/.exec(login.body)?.[1];
        assert.ok(start, 'the federation button is on /login');
        const discovery = await b.follow(await b.get(`${app.url}${start.replace(/&amp;/g, '&')}`));
        assert.equal(discovery.status, 200);
        assert.equal(new URL(discovery.url).pathname, '/auth/fed/discovery');
        assert.equal(namedClient(discovery), 'Sign in to continue to Federated Repository.');
        // The same choice started from a plain /login names no one.
        const plain = await b.follow(await b.get(`${app.url}/auth/fed?returnTo=%2Fprofile`));
        assert.equal(new URL(plain.url).pathname, '/auth/fed/discovery');
        assert.equal(namedClient(plain), undefined);
      });
    });
  });
}
