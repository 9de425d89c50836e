import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import {
  authorizationRequest,
  passwordSignIn,
  redeem,
  registerRelyingParty,
  type RelyingParty,
  untilClient,
} from '../support/op-client.js';
import { addOrcidUser, createAccountWithOrcid, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { runLanyardCli } from '../support/lanyard-process.js';
import { TEST_SECRET, type TestApp, withOrcid } from '../support/test-app.js';

const MFA = 'https://refeds.org/profile/mfa';

/**
 * The claims Lanyard's OpenID provider releases, read by openid-client over real HTTP: `amr` by how
 * the session signed in, `preferred_username` and `orcid` only from an ORCID-authenticated iD, and
 * pairwise subjects that differ between clients and cannot be tied to each other.
 */
for (const backend of backends()) {
  describe(`OpenID provider claims [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    /** An authorization through a sign-in with ORCID (the emulator) as `orcid`; returns the tokens. */
    async function orcidAuthorization(rp: RelyingParty, orcid: string, scope = 'openid profile email') {
      const b = browser();
      const req = await authorizationRequest(rp, { scope });
      const login = await b.follow(await b.get(req.url.href));
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
      return redeem(rp, await untilClient(b, back, rp.redirect), req);
    }

    async function passwordAuthorization(rp: RelyingParty, email: string, scope = 'openid profile email') {
      const req = await authorizationRequest(rp, { scope });
      return redeem(rp, await passwordSignIn(app, browser(), req.url, email, rp.redirect), req);
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('discovery lists the new claims, the affiliation scope and both subject types', async () => {
        const rp = await registerRelyingParty(app);
        const meta = rp.config.serverMetadata();
        for (const claim of ['preferred_username', 'eduperson_scoped_affiliation', 'orcid', 'amr'])
          assert.ok(meta.claims_supported?.includes(claim), claim);
        assert.ok(meta.scopes_supported?.includes('eduperson_scoped_affiliation'));
        assert.deepEqual([...(meta.subject_types_supported ?? [])].sort(), ['pairwise', 'public']);
      });

      test('ORCID sign-in: amr ["orcid"] (first login and returning), preferred_username the bare iD', async () => {
        const email = uniqueEmail('claims-orcid');
        const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
        const rp = await registerRelyingParty(app);
        // The first login inside the authorization: the account is created on the way.
        const first = browser();
        const req = await authorizationRequest(rp);
        const login = await first.follow(await first.get(req.url.href));
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const back = await signInWithOrcid(first, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
        assert.match(back.location ?? '', /^\/external-login\//, back.body.slice(0, 200));
        await first.get(`${app.url}${back.location}`);
        const created = await first.post(`${app.url}${back.location}/create`, {});
        const firstTokens = await redeem(rp, await untilClient(first, created, rp.redirect), req);
        assert.deepEqual(firstTokens.claims()!.amr, ['orcid']);

        const tokens = await orcidAuthorization(rp, orcid);
        const id = tokens.claims()!;
        assert.deepEqual(id.amr, ['orcid'], 'not what ORCID reported ("pwd"), which was a password at ORCID');
        const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, id.sub);
        assert.equal(info.preferred_username, orcid);
        assert.equal(info.orcid, `${app.orcid!.siteUrl}/${orcid}`);
      });

      test('ORCID with two-factor on: amr ["orcid", "mfa"], because ORCID reported it', async () => {
        const email = uniqueEmail('claims-mfa');
        const orcid = addOrcidUser(app, { mfa: true, emails: [{ email, visibility: 'public', verified: true }] });
        await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
        const tokens = await orcidAuthorization(await registerRelyingParty(app), orcid);
        assert.deepEqual(tokens.claims()!.amr, ['orcid', 'mfa']);
      });

      test('acr: discovery offers REFEDS MFA only; an ORCID two-factor sign-in that is asked for it gets it as acr', async () => {
        const rp = await registerRelyingParty(app);
        const meta = rp.config.serverMetadata();
        assert.deepEqual(meta.acr_values_supported, [MFA]);
        assert.ok(meta.claims_supported?.includes('acr'));
        const email = uniqueEmail('acr-mfa');
        const orcid = addOrcidUser(app, { mfa: true, emails: [{ email, visibility: 'public', verified: true }] });
        await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
        const b = browser();
        const req = await authorizationRequest(rp, { acr_values: `urn:example:gold ${MFA}` });
        const login = await b.follow(await b.get(req.url.href));
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
        const tokens = await redeem(rp, await untilClient(b, back, rp.redirect), req);
        assert.equal(tokens.claims()!.acr, MFA);
        assert.deepEqual(tokens.claims()!.amr, ['orcid', 'mfa']);
      });

      test('attack: acr_values a sign-in does not meet are refused to the client (unmet_authentication_requirements), never passed over with a code', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('acr-pwd'));
        const rp = await registerRelyingParty(app);
        // A password sign-in asked for multi-factor: refused once the person signed in.
        const b = browser();
        const req = await authorizationRequest(rp, { acr_values: MFA });
        const refused = await passwordSignIn(app, b, req.url, account.email, rp.redirect);
        assert.equal(refused.searchParams.get('error'), 'unmet_authentication_requirements');
        assert.equal(refused.searchParams.get('state'), req.state);
        assert.equal(refused.searchParams.get('code'), null);
        // Without acr_values the same sign-in goes through, with no acr (it earned none).
        const plain = await authorizationRequest(rp);
        const tokens = await redeem(rp, await untilClient(b, await b.get(plain.url.href), rp.redirect), plain);
        assert.equal(tokens.claims()!.acr, undefined);
        // Signed in and granted already: the provider's session does not pass over them either,
        // nor over a class Lanyard never vouches for.
        for (const acrValues of [MFA, 'urn:example:gold']) {
          const again = await authorizationRequest(rp, { acr_values: acrValues });
          const answer = await untilClient(b, await b.get(again.url.href), rp.redirect);
          assert.equal(answer.searchParams.get('error'), 'unmet_authentication_requirements', acrValues);
          assert.equal(answer.searchParams.get('code'), null);
        }
        // prompt=none: the same refusal, without a page.
        const silent = await authorizationRequest(rp, { acr_values: MFA, prompt: 'none' });
        const none = await untilClient(b, await b.get(silent.url.href), rp.redirect);
        assert.equal(none.searchParams.get('code'), null);
        assert.equal(none.searchParams.get('error'), 'unmet_authentication_requirements');
        assert.equal(none.searchParams.get('state'), silent.state);
      });

      test('attack: no ORCID identity, no orcid and no preferred_username — not the email’s local part, nor an unverified address', async () => {
        for (const verified of [true, false]) {
          const account = await createPasswordAccount(app, uniqueEmail(`claims-plain-${verified}`), { verified });
          const rp = await registerRelyingParty(app);
          const tokens = await passwordAuthorization(rp, account.email, 'openid profile email orcid');
          assert.deepEqual(tokens.claims()!.amr, ['pwd']);
          const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, account.id);
          assert.equal(info.orcid, undefined);
          assert.equal(info.preferred_username, undefined);
          assert.equal(info.eduperson_scoped_affiliation, undefined);
          if (!verified)
            assert.ok(!JSON.stringify(info).includes(account.email.split('@')[0]!), 'nothing of the address');
          assert.equal(info.email, verified ? account.email : undefined);
        }
      });

      test('pairwise subjects: stable per client sector, different across sectors, not the account id, not correlatable', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('claims-pairwise'));
        const a = await registerRelyingParty(app, {
          redirect: 'https://repo-a.example/callback',
          subjectType: 'pairwise',
        });
        const b = await registerRelyingParty(app, {
          redirect: 'https://repo-b.example/callback',
          subjectType: 'pairwise',
        });
        const a2 = await registerRelyingParty(app, {
          redirect: 'https://repo-a.example/other',
          subjectType: 'pairwise',
        });
        const pub = await registerRelyingParty(app, { redirect: 'https://repo-a.example/public' });

        const subOf = async (rp: RelyingParty) => {
          const tokens = await passwordAuthorization(rp, account.email);
          const sub = tokens.claims()!.sub;
          const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, sub);
          assert.equal(info.sub, sub, 'userinfo and ID token agree');
          assert.equal(info.email, account.email);
          const refreshed = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
          assert.equal(refreshed.claims()?.sub ?? sub, sub, 'a refreshed ID token keeps the sub');
          return sub;
        };
        const [subA, subB, subA2, subPublic, subAAgain] = [
          await subOf(a),
          await subOf(b),
          await subOf(a2),
          await subOf(pub),
          await subOf(a),
        ];
        assert.equal(subPublic, account.id);
        assert.equal(subAAgain, subA, 'stable for one client');
        assert.equal(subA2, subA, 'one sector (host), one sub');
        assert.notEqual(subA, subB);
        for (const sub of [subA, subB]) {
          assert.match(sub, /^[\w-]{43}$/);
          assert.ok(!sub.includes(account.id) && !sub.includes(account.id.replace(/-/g, '')));
        }
        // Another account gets other values at the same clients: nothing ties a sub to its account.
        const other = await createPasswordAccount(app, uniqueEmail('claims-pairwise-other'));
        const otherA = (await passwordAuthorization(a, other.email)).claims()!.sub;
        assert.notEqual(otherA, subA);
        assert.notEqual(otherA, subB);
      });

      if (backend === 'postgres')
        test('npx lanyard clients add --subject-type pairwise: registered and shown; a bad value or two hosts exit 2', async () => {
          const env = {
            LANYARD_DATABASE_URL: app.config.databaseUrl!,
            LANYARD_SECRET_KEY: TEST_SECRET,
            LANYARD_PUBLIC_URL: app.url,
            LANYARD_ORCID_ENV: 'off',
            LANYARD_REQUIRE_SMTP: 'false',
          };
          const add = (...extra: string[]) =>
            runLanyardCli(
              ['clients', 'add', '--name', 'Pairwise', '--redirect-uri', 'https://a.example/cb', ...extra],
              env,
            );
          const bad = await add('--subject-type', 'secret');
          assert.equal(bad.code, 2);
          assert.match(bad.stderr, /--subject-type must be one of public, pairwise/);
          const twoHosts = await add('--subject-type', 'pairwise', '--redirect-uri', 'https://b.example/cb');
          assert.equal(twoHosts.code, 2);
          assert.match(twoHosts.stderr, /one host/);
          // A resource server has no redirect URI, so no sector: refused before anything is stored.
          const before = await app.lanyard.db
            .selectFrom('oidc_payload')
            .select('id')
            .where('model', '=', 'Client')
            .execute();
          const noSector = await runLanyardCli(
            ['clients', 'add', '--name', 'API', '--resource-server', '--subject-type', 'pairwise'],
            env,
          );
          assert.equal(noSector.code, 2, noSector.stderr);
          assert.match(noSector.stderr, /needs a --redirect-uri/);
          const after = await app.lanyard.db
            .selectFrom('oidc_payload')
            .select('id')
            .where('model', '=', 'Client')
            .execute();
          assert.equal(after.length, before.length, 'a client was stored');
          const ok = await add('--subject-type=pairwise', '--json');
          assert.equal(ok.code, 0, ok.stderr);
          const { client_id } = JSON.parse(ok.stdout) as { client_id: string };
          const shown = await runLanyardCli(['clients', 'show', client_id, '--json'], env);
          assert.equal((JSON.parse(shown.stdout) as { subject_type: string }).subject_type, 'pairwise');
        });
    });
  });
}
