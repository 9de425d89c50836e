import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cookieNames } from '../../src/http/cookies.js';
import type { Browser, Page } from '../support/browser.js';
import { type Backend, backends, skipReason } from '../support/databases.js';
import { createPasswordAccount, signInWithPassword } from '../support/orcid.js';
import type { TestApp } from '../support/test-app.js';

/** How a provider's peer can misbehave at the step where Lanyard calls it back (the token endpoint). */
export type Fault = 'garbage' | 'slow' | 'down';

/** Every refusal the contract provokes, with the answer every provider must give unless its fixture says otherwise. */
export type Refusal = 'denied' | 'otherBrowser' | 'replayed' | Fault;
const defaultAnswers: Record<Refusal, [status: number, code: string]> = {
  denied: [400, 'PROVIDER_ACCESS_DENIED'],
  otherBrowser: [400, 'OAUTH_STATE_INVALID'],
  replayed: [400, 'OAUTH_STATE_INVALID'],
  garbage: [502, 'PROVIDER_ERROR'],
  slow: [503, 'PROVIDER_UNAVAILABLE'],
  down: [503, 'PROVIDER_UNAVAILABLE'],
};

/** A person at the peer, as the fixture made them. */
export interface Person {
  /** What Lanyard stores as the identity's subject. */
  subject: string;
  givenName: string;
}

/** The running peer and the Lanyard configured with it: what a fixture's `start` returns. */
export interface ProviderHarness {
  app: TestApp;
  /** A new person at the peer who releases no email. */
  addPerson(): Person;
  /**
   * Follows the provider's start answer (`start`: Lanyard's 303 to the peer) through the peer as
   * `person` signs in, up to the moment the peer sends the browser back; returns how to deliver
   * that answer to Lanyard in a browser (the same one, or another: the login-CSRF attack).
   */
  authorize(browser: Browser, start: Page, person: Person): Promise<(into: Browser) => Promise<Page>>;
  /** The peer sends the browser back with "the person said no". */
  deny(browser: Browser, start: Page, person: Person): Promise<(into: Browser) => Promise<Page>>;
  /** Makes the peer misbehave when Lanyard calls it next; `heal` undoes it. */
  fail(fault: Fault): void;
  heal(): void;
  /** For providers that keep a token: does the peer still honour it? (Checked after unlink.) */
  honours?(accessToken: string): boolean;
  close(): Promise<void>;
}

/**
 * One provider entry under test. To test a new provider, write one of these (see
 * docs/providers.md, "Testing a provider: the contract suite") and call `providerContract`.
 */
export interface ProviderFixture {
  /** The provider's type and entry id, as configured. */
  type: string;
  id: string;
  /** How its pages name it (English). */
  label: string;
  /** Starts the peer and a Lanyard whose providers list has this entry with a `timeoutMs` of a few seconds. */
  start(backend: Backend): Promise<ProviderHarness>;
  /** Checks of the start redirect that belong to the protocol (PKCE, nonce, what is not sent). */
  checkStart?(authorizeUrl: URL): void;
  /** Whether unlinking revokes something at the peer (ORCID: its access token). */
  revokesOnUnlink: boolean;
  /** Where this provider's answers differ from the defaults above. */
  answers?: Partial<Record<Refusal, [number, string]>>;
}

/** Rows a refused sign-in must not have written. */
async function counts(app: TestApp) {
  const n = async (table: 'account' | 'identity' | 'registration' | 'session' | 'provider_token') =>
    Number(
      (
        await app.lanyard.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    accounts: await n('account'),
    identities: await n('identity'),
    registrations: await n('registration'),
    sessions: await n('session'),
    tokens: await n('provider_token'),
  };
}

let accounts = 0;

/**
 * The contract every provider folder runs, on both databases: start → callback → profile →
 * errors → unlink, through the shared routes and against the provider's real peer.
 */
export function providerContract(fixture: ProviderFixture): void {
  const { id, label } = fixture;
  const answers = { ...defaultAnswers, ...fixture.answers };
  for (const backend of backends()) {
    describe(`provider contract: ${fixture.type} "${id}" [${backend}]`, async () => {
      const reason = await skipReason(backend);
      let harness: ProviderHarness | undefined;
      if (!reason) {
        before(async () => {
          harness = await fixture.start(backend);
        });
        after(async () => {
          await harness?.close();
        });
      }
      const h = () => {
        if (!harness) throw new Error('provider harness not started');
        return harness;
      };
      const identity = (subject: string) =>
        h()
          .app.lanyard.db.selectFrom('identity')
          .selectAll()
          .where('provider', '=', id)
          .where('subject', '=', subject)
          .executeTakeFirst();
      /** A password account that has linked a new person of this provider from its account page. */
      const linkedAccount = async () => {
        const { app } = h();
        const email = `contract-${++accounts}-${backend}@${id}.example`;
        const account = await createPasswordAccount(app, email);
        const person = h().addPerson();
        const browser = app.browser();
        await signInWithPassword(browser, email);
        await browser.get('/profile');
        const start = await browser.post(`/profile/link/${id}`, {});
        const back = await (await h().authorize(browser, start, person))(browser);
        assert.equal(back.status, 303, back.body.slice(0, 300));
        assert.equal(back.location, '/profile');
        return { account, email, person, browser };
      };
      const refusedWith = async (page: Page, refusal: Refusal) => {
        const [status, code] = answers[refusal];
        assert.equal(page.status, status, page.body.slice(0, 400));
        assert.match(page.body, new RegExp(`data-error-code="${code}"`));
        assert.match(page.body, /href="\/login"/, 'a way back');
        if (refusal !== 'otherBrowser' && refusal !== 'replayed')
          assert.ok(page.body.includes(label), `the page names ${label}`);
      };

      describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
        test('start: the login page’s button and /auth/{id} send the browser to the provider with a state bound to it', async () => {
          const { app } = h();
          const browser = app.browser();
          const login = await browser.get('/login');
          assert.ok(login.body.includes(`href="/auth/${id}?returnTo=`), 'the login page links the shared start');
          const start = await browser.get(`/auth/${id}?returnTo=${encodeURIComponent('/profile')}`);
          assert.equal(start.status, 303);
          const url = new URL(start.location!);
          assert.notEqual(url.origin, new URL(app.config.publicUrl).origin, 'to the provider');
          assert.ok(browser.cookie(cookieNames(app.config).oauth), 'the flow is kept in a cookie of this browser');
          fixture.checkStart?.(url);
        });

        test('callback → profile: a person who releases no email lands on "we need your email" naming the provider; the registration holds (id, subject) and the names', async () => {
          const { app } = h();
          const person = h().addPerson();
          const browser = app.browser();
          const before = await counts(app);
          const back = await (await h().authorize(browser, await browser.get(`/auth/${id}`), person))(browser);
          assert.equal(back.status, 303, back.body.slice(0, 300));
          assert.match(back.location!, /^\/external-login\//);
          const reg = await app.lanyard.db
            .selectFrom('registration')
            .selectAll()
            .where('subject', '=', person.subject)
            .executeTakeFirstOrThrow();
          assert.equal(reg.provider, id);
          assert.equal(reg.type, 'EXTERNAL');
          assert.equal(reg.email, null);
          assert.equal(reg.profile.reason, 'no_email');
          assert.equal(reg.profile.givenName, person.givenName);
          const page = await browser.get(back.location!);
          assert.equal(page.status, 200);
          assert.ok(page.body.includes(label), 'the page names the provider');
          const after = await counts(app);
          assert.deepEqual(
            { ...after, registrations: after.registrations - 1 },
            before,
            'only the registration is written: no account, identity, session or token',
          );
        });

        test('link from the account page, then sign in with it: the known identity opens the account', async () => {
          const { app } = h();
          const { account, person } = await linkedAccount();
          const linked = await identity(person.subject);
          assert.equal(linked?.account_id, account.id);
          const browser = app.browser();
          const back = await (
            await h().authorize(browser, await browser.get(`/auth/${id}?returnTo=%2Fprofile`), person)
          )(browser);
          assert.equal(back.status, 303);
          assert.equal(back.location, '/profile');
          const profile = await browser.get('/profile');
          assert.equal(profile.status, 200);
          assert.ok(profile.body.includes(account.email), 'signed in to that account');
          const signIn = await app.lanyard.db
            .selectFrom('audit_event')
            .selectAll()
            .where('action', '=', 'sign_in')
            .where('provider', '=', id)
            .where('subject', '=', person.subject)
            .executeTakeFirst();
          assert.equal(signIn?.account_id, account.id, 'audited with the provider and subject');
        });

        test('the person says no at the provider → its own page naming it, nothing written', async () => {
          const { app } = h();
          const browser = app.browser();
          const before = await counts(app);
          const person = h().addPerson();
          await refusedWith(
            await (
              await h().deny(browser, await browser.get(`/auth/${id}`), person)
            )(browser),
            'denied',
          );
          assert.deepEqual(await counts(app), before);
        });

        test('the provider’s answer opened in another browser (login CSRF), or twice → refused, nothing written', async () => {
          const { app } = h();
          const person = h().addPerson();
          const attacker = app.browser();
          const deliver = await h().authorize(attacker, await attacker.get(`/auth/${id}`), person);
          const before = await counts(app);
          await refusedWith(await deliver(app.browser()), 'otherBrowser');
          assert.deepEqual(await counts(app), before);
          const first = await deliver(attacker);
          assert.equal(first.status, 303, 'the browser that started it is let in');
          const afterFirst = await counts(app);
          await refusedWith(await deliver(attacker), 'replayed');
          assert.deepEqual(await counts(app), afterFirst);
        });

        for (const fault of ['garbage', 'slow', 'down'] as const)
          test(`the provider ${fault === 'garbage' ? 'answers garbage' : fault === 'slow' ? 'is slower than timeoutMs' : 'drops the connection'} → its own page, nothing written`, async () => {
            const { app } = h();
            const person = h().addPerson();
            const browser = app.browser();
            const deliver = await h().authorize(browser, await browser.get(`/auth/${id}`), person);
            const before = await counts(app);
            h().fail(fault);
            try {
              await refusedWith(await deliver(browser), fault);
            } finally {
              h().heal();
            }
            assert.deepEqual(await counts(app), before);
          });

        test('unlink: needs a fresh sign-in, removes the identity, revokes what the provider can, audits it', async () => {
          const { app } = h();
          const { account, email, person, browser } = await linkedAccount();
          const linked = (await identity(person.subject))!;
          const token = await app.lanyard.db
            .selectFrom('provider_token')
            .selectAll()
            .where('identity_id', '=', linked.id)
            .executeTakeFirst();
          assert.equal(token !== undefined, fixture.revokesOnUnlink, 'a token is kept only where it can be revoked');
          app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
          await browser.get('/profile');
          const stale = await browser.post(`/profile/identities/${linked.id}/unlink`, {});
          assert.equal(stale.status, 303, 'a stale sign-in is asked to sign in again');
          assert.match(stale.location!, /^\/login\?reauth=1&returnTo=/);
          assert.ok(await identity(person.subject), 'still linked');
          await signInWithPassword(browser, email);
          await browser.get('/profile');
          const done = await browser.post(`/profile/identities/${linked.id}/unlink`, {});
          assert.equal(done.status, 303);
          assert.equal(await identity(person.subject), undefined);
          const audit = await app.lanyard.db
            .selectFrom('audit_event')
            .selectAll()
            .where('action', '=', 'unlink')
            .where('account_id', '=', account.id)
            .executeTakeFirstOrThrow();
          assert.equal(audit.provider, id);
          assert.equal(audit.detail.tokenRevoked, fixture.revokesOnUnlink ? true : null);
          if (fixture.revokesOnUnlink && h().honours) {
            const { open } = await import('../../src/crypto/seal.js');
            assert.equal(h().honours!(open(app.config.secretKeys, token!.access_token)), false, 'revoked at the peer');
          }
        });
      });
    });
  }
}
