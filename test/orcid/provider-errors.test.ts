import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addOrcidUser, createAccountWithOrcid, signInWithOrcid } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { withOrcid } from '../support/test-app.js';

/** docs/design.md, case 9: each provider error has its own clear page, and none leaves state behind. */
forEachBackend(
  'ORCID provider errors',
  (ctx) => {
    const nothingWritten = async (app: TestApp, orcid: string) => {
      const db = app.lanyard.db;
      assert.equal(
        (await db.selectFrom('identity').select('id').where('subject', '=', orcid).execute()).length,
        0,
        'no identity',
      );
      assert.equal(
        (await db.selectFrom('registration').select('id').where('subject', '=', orcid).execute()).length,
        0,
        'no registration',
      );
    };
    const assertErrorPage = (page: { status: number; body: string }, code: string, status: number) => {
      assert.equal(page.status, status, page.body.slice(0, 400));
      assert.match(page.body, new RegExp(`data-error-code="${code}"`));
      assert.match(page.body, /href="\/login"/, 'a way back');
    };

    test('the user denies access on ORCID', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const page = await signInWithOrcid(app.browser(), orcid, { authorize: (u) => u.searchParams.set('deny', '1') });
      assertErrorPage(page, 'PROVIDER_ACCESS_DENIED', 400);
      await nothingWritten(app, orcid);
    });

    test('an error in the URL fragment arrives as a callback with no parameters', async () => {
      const page = await ctx().browser().get('/api/authn/orcid');
      assertErrorPage(page, 'OAUTH_CALLBACK_EMPTY', 401);
    });

    test('ORCID error redirects without state (invalid_scope) get their own page', async () => {
      const page = await ctx().browser().get('/api/authn/orcid?error=invalid_scope&error_description=bad');
      assertErrorPage(page, 'PROVIDER_ERROR', 502);
    });

    test('a callback in a browser that did not start the sign-in is refused (login CSRF)', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'attacker@evil.example', visibility: 'public', verified: true }],
      });
      const attacker = app.browser();
      const start = await attacker.get('/login/orcid');
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', orcid);
      const callback = (await attacker.get(authorize.href)).location!;
      const victim = app.browser();
      assertErrorPage(await victim.get(callback), 'OAUTH_STATE_INVALID', 400);
      assert.equal((await victim.get('/profile')).status, 302, 'the victim is not signed in');
      await nothingWritten(app, orcid);
    });

    test('a state that differs from the browser’s is refused', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const browser = app.browser();
      const start = await browser.get('/login/orcid');
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', orcid);
      authorize.searchParams.set('state', 'not-the-state-this-browser-holds');
      assertErrorPage(await browser.get((await browser.get(authorize.href)).location!), 'OAUTH_STATE_INVALID', 400);
      await nothingWritten(app, orcid);
    });

    test('two sign-ins started in two tabs: the older tab’s answer is refused and leaves the newer one to finish', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const browser = app.browser();
      const answerOf = async () => {
        const authorize = new URL((await browser.get('/login/orcid')).location!);
        authorize.searchParams.set('login_as', orcid);
        return (await browser.get(authorize.href)).location!;
      };
      const older = await answerOf();
      const newer = await answerOf();
      assertErrorPage(await browser.get(older), 'OAUTH_STATE_INVALID', 400);
      const finished = await browser.get(newer);
      assert.equal(finished.status, 303, finished.body.slice(0, 300));
      assert.match(finished.location!, /^\/external-login\//);
    });

    test('attack: a page elsewhere sending the browser to the callback with a made-up answer does not end the sign-in under way', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const browser = app.browser();
      const authorize = new URL((await browser.get('/login/orcid')).location!);
      authorize.searchParams.set('login_as', orcid);
      const answer = (await browser.get(authorize.href)).location!;
      const forged = new URL(answer);
      forged.searchParams.set('code', 'made-up');
      forged.searchParams.set('state', 'made-up');
      assertErrorPage(await browser.get(forged.href), 'OAUTH_STATE_INVALID', 400);
      const finished = await browser.get(answer);
      assert.equal(finished.status, 303, finished.body.slice(0, 300));
      assert.match(finished.location!, /^\/external-login\//);
    });

    test('a sign-in started more than ten minutes ago is refused', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const page = await signInWithOrcid(app.browser(), orcid, { authorize: () => app.clock.advance(11 * 60_000) });
      assertErrorPage(page, 'OAUTH_STATE_INVALID', 400);
    });

    test('a replayed callback (code reuse) is refused, and ORCID itself refuses a reused code', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const browser = app.browser();
      const start = await browser.get('/login/orcid');
      const flowCookie = browser.cookie('lanyard-oauth');
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', orcid);
      const callback = (await browser.get(authorize.href)).location!;
      assert.equal((await browser.get(callback)).status, 303);
      assertErrorPage(await browser.get(callback), 'OAUTH_STATE_INVALID', 400);
      browser.setCookie('lanyard-oauth', flowCookie!);
      assertErrorPage(await browser.get(callback), 'OAUTH_CODE_INVALID', 400);
    });

    test('an expired authorization code is refused', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const page = await signInWithOrcid(app.browser(), orcid, { authorize: () => {} });
      assert.equal(page.status, 303);
      const browser = app.browser();
      const start = await browser.get('/login/orcid');
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', orcid);
      const callback = (await browser.get(authorize.href)).location!;
      app.orcid!.state.advanceClock(11 * 60_000);
      assertErrorPage(await browser.get(callback), 'OAUTH_CODE_INVALID', 400);
    });

    for (const [name, fault, code, status] of [
      ['ORCID’s token endpoint answers 500', { status: 500 as const }, 'PROVIDER_UNAVAILABLE', 503],
      ['ORCID rate-limits the token endpoint (503)', { status: 503 as const }, 'PROVIDER_UNAVAILABLE', 503],
      ['ORCID’s token endpoint refuses connections', { refuseConnections: true }, 'PROVIDER_UNAVAILABLE', 503],
      ['ORCID’s token endpoint is slower than the timeout', { delayMs: 6000 }, 'PROVIDER_UNAVAILABLE', 503],
      ['ORCID’s token endpoint answers malformed JSON', { malformedJson: true }, 'PROVIDER_ERROR', 502],
    ] as const) {
      test(name, async () => {
        const app = ctx();
        const orcid = addOrcidUser(app, {});
        app.orcid!.state.setFaults({ token: { ...fault, times: 1 } });
        try {
          assertErrorPage(await signInWithOrcid(app.browser(), orcid), code, status);
          await nothingWritten(app, orcid);
        } finally {
          app.orcid!.state.setFaults({ token: null });
        }
      });
    }

    test('ORCID’s email API slower than the timeout: a first sign-in gets the provider page, nothing written', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      app.orcid!.state.setFaults({ api: { delayMs: 6000, times: 1 } });
      try {
        assertErrorPage(await signInWithOrcid(app.browser(), orcid), 'PROVIDER_UNAVAILABLE', 503);
        await nothingWritten(app, orcid);
      } finally {
        app.orcid!.state.setFaults({ api: null });
      }
    });

    test('the ORCID API being down stops a first sign-in but not a returning one', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'back@uni.example', visibility: 'public', verified: true }],
      });
      app.orcid!.state.setFaults({ api: { status: 500 } });
      try {
        assertErrorPage(await signInWithOrcid(app.browser(), orcid), 'PROVIDER_UNAVAILABLE', 503);
        await nothingWritten(app, orcid);
        app.orcid!.state.setFaults({ api: null });
        await createAccountWithOrcid(app.browser(), orcid);
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const returning = await signInWithOrcid(app.browser(), orcid);
        assert.equal(returning.status, 303);
        assert.equal(returning.location, '/profile');
      } finally {
        app.orcid!.state.setFaults({ api: null });
      }
    });

    test('no PKCE is sent to ORCID, but state and nonce are (openid)', async () => {
      const start = await ctx().browser().get('/login/orcid');
      const url = new URL(start.location!);
      assert.equal(url.searchParams.get('code_challenge'), null);
      assert.ok(url.searchParams.get('state'));
      assert.ok(url.searchParams.get('nonce'));
      assert.equal(url.searchParams.get('redirect_uri'), `${ctx().config.publicUrl}/api/authn/orcid`);
    });

    test('the return target after sign-in is checked against the allow-list (no open redirect)', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'redirect@uni.example', visibility: 'public', verified: true }],
      });
      await createAccountWithOrcid(app.browser(), orcid);
      for (const evil of ['https://evil.example/steal', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
        const page = await signInWithOrcid(app.browser(), orcid, { returnTo: evil });
        assert.equal(page.location, '/profile', `${evil} → ${page.location}`);
      }
    });
  },
  // A bound a loaded machine never reaches on a normal call, and the emulator's slow answers well beyond it.
  { ...withOrcid, LANYARD_ORCID_TIMEOUT_MS: '2500' },
);
