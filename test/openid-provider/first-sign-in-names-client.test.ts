import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { authorizationToLogin, namedClient, REDIRECT, registerRepository } from '../support/client-naming.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { addOrcidUser, createPasswordAccount } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

/**
 * A first ORCID sign-in started from a repository's authorization request: the decision page
 * (/external-login/…) and the review page name that repository, read from the registration's stored
 * return-to and the stored authorization request, never from the page's URL. A real code flow over
 * HTTP, with the ORCID emulator.
 */
for (const backend of backends()) {
  describe(`the first sign-in pages name the repository [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => {
      await app?.close();
    });

    const browser = () => new Browser(null, app.url);

    const register = (name: string) => registerRepository(app.lanyard.db, name);
    /** A repository's authorization request, followed to Lanyard's sign-in page. */
    const toLogin = (b: Browser, clientId: string, lang = 'en') => authorizationToLogin(b, app.url, clientId, lang);

    /** "Sign in with ORCID" from `start` (a path with its returnTo), as `orcid`: back at Lanyard's page. */
    async function withOrcidFrom(b: Browser, start: string, orcid: string, lang = 'en'): Promise<Page> {
      const started = await b.get(`${app.url}${start}`);
      assert.equal(started.status, 303, started.body.slice(0, 300));
      const authorize = new URL(started.location!);
      authorize.searchParams.set('login_as', orcid);
      const granted = await b.get(authorize.href);
      const back = await b.get(new URL(granted.location!, authorize).href);
      assert.equal(back.status, 303, back.body.slice(0, 300));
      return b.get(new URL(back.location!, back.url).href, { 'accept-language': lang });
    }

    const orcidStart = (login: Page) => {
      const href = /href="(\/auth\/orcid\?returnTo=[^"]+)"/.exec(login.body)?.[1];
      assert.ok(href, 'the ORCID button is on /login');
      return href.replace(/&amp;/g, '&');
    };

    const privateOrcid = () =>
      addOrcidUser(app, { emails: [{ email: uniqueEmail('private'), visibility: 'private', verified: true }] });

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a first ORCID sign-in from a repository: the decision page names it (EN, DE, escaped); the review page too, and the sign-in ends at the repository with a code', async () => {
        const clientId = await register('Repository <i>of</i> "Research"');
        const b = browser();
        const login = await toLogin(b, clientId);
        const decision = await withOrcidFrom(b, orcidStart(login), privateOrcid());
        assert.equal(new URL(decision.url).pathname.split('/')[1], 'external-login');
        assert.equal(
          namedClient(decision),
          'Complete this step to continue to Repository &lt;i&gt;of&lt;/i&gt; &quot;Research&quot;.',
        );
        assert.ok(!decision.body.includes('<i>of</i>'), 'the name is escaped');
        const de = await b.get(`${decision.url}?lang=de`, { 'accept-language': 'de' });
        assert.match(
          namedClient(de)!,
          /^Schließen Sie diesen Schritt ab, um mit Repository &lt;i&gt;of.* fortzufahren\.$/,
        );

        // Sign in to link an existing account: the review page names the repository too.
        await b.get(`${app.url}/?lang=en`);
        const account = await createPasswordAccount(app, uniqueEmail('existing'));
        const reviewPath = `/review-account/${new URL(decision.url).pathname.split('/')[2]}`;
        await b.get(`${app.url}/login?returnTo=${encodeURIComponent(reviewPath)}`);
        const signedIn = await b.post(`${app.url}/login`, {
          email: account.email,
          password: PASSWORD,
          returnTo: reviewPath,
        });
        assert.equal(signedIn.location, reviewPath);
        const review = await b.get(`${app.url}${reviewPath}`, { 'accept-language': 'en' });
        assert.equal(review.status, 200);
        assert.equal(
          namedClient(review),
          'Complete this step to continue to Repository &lt;i&gt;of&lt;/i&gt; &quot;Research&quot;.',
        );
        const merged = await b.post(`${app.url}${reviewPath}`, {});
        assert.equal(merged.status, 303, merged.body.slice(0, 300));
        let page = merged;
        for (let i = 0; i < 8 && page.location && !page.location.startsWith(REDIRECT); i++)
          page = await b.get(new URL(page.location, page.url).href);
        assert.ok(page.location?.startsWith(`${REDIRECT}?code=`), `went on to ${page.location}`);
      });

      test('the name comes from the registration: parameters on the page or in the sign-in start change nothing', async () => {
        const real = await register('Real Repository');
        const other = await register('Other Repository');
        const b = browser();
        const login = await toLogin(b, real);
        const decision = await withOrcidFrom(b, orcidStart(login), privateOrcid());
        const forged = await b.get(
          `${decision.url}?client_id=${other}&client_name=Evil&client=Evil&returnTo=${encodeURIComponent('/interaction/x')}`,
        );
        assert.equal(forged.status, 200);
        assert.equal(namedClient(forged), 'Complete this step to continue to Real Repository.');
        // A sign-in started with a returnTo that is not a stored authorization request names no one.
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        for (const target of [
          `${returnTo}?client_id=${other}`,
          '/interaction/no-such-interaction',
          `/interaction/${other}`,
          `/oidc/auth?client_id=${other}`,
        ]) {
          const c = browser();
          const page = await withOrcidFrom(c, `/auth/orcid?returnTo=${encodeURIComponent(target)}`, privateOrcid());
          assert.equal(page.status, 200, target);
          assert.match(new URL(page.url).pathname, /^\/external-login\//, target);
          assert.equal(namedClient(page), undefined, target);
        }
      });

      test('a plain first ORCID sign-in names no repository', async () => {
        const b = browser();
        const page = await withOrcidFrom(b, '/auth/orcid', privateOrcid());
        assert.equal(page.status, 200);
        assert.match(new URL(page.url).pathname, /^\/external-login\//);
        assert.equal(namedClient(page), undefined);
        assert.ok(!page.body.includes('continue to'));
      });
    });
  });
}
