import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectNoChange } from '../support/db-snapshot.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount } from '../support/orcid.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { type TestApp, withOrcid } from '../support/test-app.js';
import { CorsBlocked, DSPACE_ANGULAR, DSpaceUiClient, type Registration } from './support/dspace-ui-client.js';

/** The UI's origin: only ever an `Origin` header and the target of redirects here, never fetched. */
const UI = 'http://127.0.0.1:4000';
let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@ui.example`;

/**
 * The ORCID-login flows as DSpace 9's Angular UI drives them (${DSPACE_ANGULAR}), call for call,
 * over real HTTP from the UI's origin with a browser's CORS rules, on both databases.
 */
for (const backend of backends()) {
  describe(`DSpace 9 UI calls [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: (TestApp & { url: string }) | undefined;
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, { ...withOrcid, LANYARD_UI_URL: UI });
    });
    after(async () => {
      await app?.close();
    });
    const ctx = () => app!;
    const ui = async () => {
      const c = new DSpaceUiClient(`${ctx().url}/api`, UI);
      await c.start();
      return c;
    };

    /**
     * The browser following the ORCID `location` (a top-level navigation: Lanyard's cookies go
     * along, no CORS): Lanyard's start → the emulator (signing in headlessly as `orcid`) → the
     * callback → wherever Lanyard sends the browser. Returns that URL.
     */
    const followOrcid = async (c: DSpaceUiClient, location: string, orcid: string): Promise<string> => {
      let url = location;
      for (let hops = 0; hops < 6; hops++) {
        const target = new URL(url);
        if (target.origin === UI) return url;
        if (target.origin !== ctx().url) target.searchParams.set('login_as', orcid);
        const ours = target.origin === ctx().url;
        const cookie = [...c.jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const res = await fetch(target, {
          headers: { accept: 'text/html', ...(ours && cookie ? { cookie } : {}) },
          redirect: 'manual',
        });
        if (ours)
          for (const line of res.headers.getSetCookie()) {
            const [pair] = line.split(';');
            const [name, ...rest] = pair!.split('=');
            if (/max-age=0/i.test(line) || rest.join('=') === '') c.jar.delete(name!);
            else c.jar.set(name!, rest.join('='));
          }
        assert.ok(
          res.status >= 300 && res.status < 400,
          `${target.href}: ${res.status} ${(await res.text()).slice(0, 300)}`,
        );
        url = new URL(res.headers.get('location')!, target).href;
      }
      throw new Error(`too many redirects, at ${url}`);
    };

    /** The UI's ORCID button: the location from WWW-Authenticate, `?redirectUrl=` rewritten to `route`. */
    const orcidButton = async (c: DSpaceUiClient, route: string) => {
      const methods = c.authMethods(await c.status());
      const orcid = methods.find((m) => m.type === 'orcid');
      assert.ok(orcid?.location, `no orcid method in ${JSON.stringify(methods)}`);
      assert.match(orcid.location, /\?redirectUrl=/, 'DSpace’s UI rewrites the redirectUrl it finds in the location');
      return c.externalServerRedirectUrl(route, orcid.location);
    };

    /** A fresh page load of the UI after a redirect back to it: start-up, the cookie check, and the token. */
    const signedInAfterRedirect = async (c: DSpaceUiClient) => {
      await c.start();
      const status = await c.status();
      assert.equal(status.json().authenticated, true, `status after the redirect: ${status.body}`);
      const login = await c.refreshAuthenticationToken();
      assert.equal(login.status, 200, login.body);
      return (await c.authenticatedUser()).eperson.json();
    };

    const tokenOf = (url: string, route: string) => {
      const u = new URL(url);
      assert.equal(u.origin, UI, `${url} is not on the UI`);
      assert.match(u.pathname, new RegExp(`^/${route}/[A-Za-z0-9_-]{43}$`));
      return u.pathname.split('/').pop()!;
    };

    const mailedUiToken = async (to: string, route: string) => {
      const mail = await ctx().mail.waitFor(to, (m) => m.text.includes(`${UI}/${route}/`));
      return tokenOf(linkIn(mail, `${UI}/${route}/`), route);
    };

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('start-up: GET /security/csrf (204, DSPACE-XSRF-TOKEN), the HAL root, authn/status — all readable from the UI origin', async () => {
        const c = new DSpaceUiClient(`${ctx().url}/api`, UI);
        const csrf = await c.request('GET', `${ctx().url}/api/security/csrf`);
        assert.equal(csrf.status, 204);
        assert.match(csrf.header('DSPACE-XSRF-TOKEN') ?? '', /^[A-Za-z0-9_-]{43}$/);
        await c.start();
        assert.deepEqual(
          [c.link('authn'), c.link('epersons'), c.link('registrations')],
          [`${ctx().url}/api/authn`, `${ctx().url}/api/eperson/epersons`, `${ctx().url}/api/eperson/registrations`],
        );
        const methods = c.authMethods(await c.status());
        assert.deepEqual(
          methods.map((m) => m.type),
          ['password', 'orcid'],
        );
        assert.equal(methods[1]!.location, `${ctx().url}/api/authn/orcid/start?redirectUrl=${UI}`);
      });

      test('another origin: its preflight is refused (403 CORS_ORIGIN_NOT_ALLOWED) and no answer is shared with it', async () => {
        const evil = new DSpaceUiClient(`${ctx().url}/api`, 'http://127.0.0.1:6666');
        await assert.rejects(evil.request('GET', `${ctx().url}/api/authn/status`), CorsBlocked);
        const pre = await fetch(`${ctx().url}/api/authn/login`, {
          method: 'OPTIONS',
          headers: {
            origin: 'http://127.0.0.1:6666',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'x-xsrf-token',
          },
        });
        assert.equal(pre.status, 403);
        assert.equal(((await pre.json()) as { code: string }).code, 'CORS_ORIGIN_NOT_ALLOWED');
        assert.equal(pre.headers.get('access-control-allow-origin'), null);
        // The UI's own origin asking for a header the API does not take is refused too.
        const odd = await fetch(`${ctx().url}/api/authn/login`, {
          method: 'OPTIONS',
          headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-evil' },
        });
        assert.deepEqual([odd.status, odd.headers.get('access-control-allow-origin')], [403, null]);
        // A repository's page on an allowed origin may send a DPoP proof to the ORCID API.
        const dpop = await fetch(`${ctx().url}/api/orcid/works`, {
          method: 'OPTIONS',
          headers: {
            origin: UI,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization,dpop',
          },
        });
        assert.equal(dpop.status, 204, await dpop.clone().text());
        assert.match(dpop.headers.get('access-control-allow-headers') ?? '', /\bdpop\b/i);
      });

      test('sign-in with password: form login → Bearer (a JWT with exp) and a rotated XSRF token; the Bearer authenticates; refresh; logout ends it', async () => {
        const email = unique('password');
        const account = await createPasswordAccount(ctx(), email, { givenName: 'Pat', familyName: 'Word' });
        const c = await ui();
        await c.status();
        const before = c.xsrfCookie;
        assert.ok(before);
        const login = await c.authenticate(email, 'correct horse battery');
        assert.equal(login.status, 200, login.body);
        assert.ok(c.xsrfCookie && c.xsrfCookie !== before, 'the sign-in hands out a new XSRF token');
        const { eperson } = await c.authenticatedUser();
        assert.deepEqual([eperson.json().id, eperson.json().email], [account.id, email]);

        // The token alone (another device with no cookies) is the session; a forged one is nobody.
        const bearerOnly = new DSpaceUiClient(`${ctx().url}/api`, UI);
        bearerOnly.links = c.links;
        bearerOnly.token = c.token;
        assert.equal((await bearerOnly.authenticatedUser()).eperson.status, 200);
        const forged = `${c.token!.accessToken.slice(0, -4)}AAAA`;
        const anon = await bearerOnly.request('GET', `${ctx().url}/api/authn/status`, {
          headers: { Authorization: `Bearer ${forged}` },
        });
        assert.equal(anon.json().authenticated, false);

        // The XSRF token from before the sign-in is dead; the refusal hands out the current one (DSpace's rule).
        const current = c.xsrfCookie;
        c.xsrfCookie = before;
        const stale = await c.refreshAuthenticationToken();
        assert.deepEqual([stale.status, stale.json().code], [403, 'CSRF_FAILED']);
        assert.equal(c.xsrfCookie, current, 'the 403 carried the valid token and the UI kept it');

        const old = c.token!.accessToken;
        const refreshed = await c.refreshAuthenticationToken();
        assert.equal(refreshed.status, 200, refreshed.body);
        assert.ok(c.token && c.token.expires > Date.now());

        const out = await c.logout();
        assert.equal(out.status, 204, out.body);
        for (const token of [old, bearerOnly.token!.accessToken]) {
          const after = await bearerOnly.request('GET', `${ctx().url}/api/authn/status`, {
            headers: { Authorization: `Bearer ${token}` },
          });
          assert.equal(after.json().authenticated, false, 'logout ended every token of the session');
        }
        assert.equal((await c.status()).json().authenticated, false, 'and the cookie');
      });

      test('ORCID with a private email → provide email (PATCH) → link mailed to the UI → create → ORCID again → signed in on the UI', async () => {
        const orcid = addOrcidUser(ctx(), {
          givenNames: 'Maria',
          familyName: 'Rossi',
          emails: [{ email: unique('hidden'), visibility: 'private', verified: true }],
        });
        const c = await ui();
        const landed = await followOrcid(c, await orcidButton(c, '/reload/1'), orcid);
        const token = tokenOf(landed, 'external-login');

        // /external-login/:token (a page load: start-up again) — registrationTokenGuard +
        // RegistrationDataResolver, then ProvideEmailComponent. The same browser throughout.
        const page = c;
        await page.start();
        const reg = (await page.findByToken(token)).json<Registration>();
        assert.deepEqual([reg.registrationType, reg.email, reg.netId], ['ORCID', null, orcid]);
        const email = unique('maria');
        const patched = await page.patchUpdateRegistration([email], reg.id, token, 'add');
        assert.equal(patched.status, 204, patched.body);

        // The mailed link opens the UI's /external-login; ConfirmEmailComponent creates the account.
        const mailed = await mailedUiToken(email, 'external-login');
        const confirm = c;
        await confirm.start();
        const fresh = (await confirm.findByToken(mailed)).json<Registration>();
        assert.equal(fresh.email, email);
        const created = await confirm.createEPersonForToken(fresh, mailed);
        assert.equal(created.status, 201, created.body);

        // Then the hard redirect to ORCID with redirect /profile: back on the UI, signed in.
        const back = await followOrcid(confirm, await orcidButton(confirm, '/profile'), orcid);
        assert.equal(back, `${UI}/profile`);
        const me = await signedInAfterRedirect(confirm);
        assert.deepEqual([me.email, me.netid], [email, orcid]);
      });

      test('the mailed UI link on another device: the UI’s create is 403 IDENTITY_PROOF_REQUIRED naming Lanyard’s page, which the mail names too; where an ORCID sign-in proves the iD', async () => {
        const orcid = addOrcidUser(ctx(), { emails: [] });
        const laptop = await ui();
        const token = tokenOf(
          await followOrcid(laptop, await orcidButton(laptop, '/reload/1'), orcid),
          'external-login',
        );
        const reg = (await laptop.findByToken(token)).json<Registration>();
        const email = unique('phone');
        assert.equal((await laptop.patchUpdateRegistration([email], reg.id, token, 'add')).status, 204);
        const mail = await ctx().mail.waitFor(email);
        const mailed = tokenOf(linkIn(mail, `${UI}/external-login/`), 'external-login');
        const ownPage = `${ctx().config.publicUrl}/external-login/${mailed}`;
        assert.ok(mail.text.includes(`on a device other than the one you signed in on?`), mail.text);
        assert.ok(mail.text.includes(ownPage), mail.text);

        // The phone: the UI's page of the link, no Lanyard cookie.
        const phone = await ui();
        const fresh = (await phone.findByToken(mailed)).json<Registration>();
        const refused = await expectNoChange(ctx().lanyard.db, () => phone.createEPersonForToken(fresh, mailed));
        assert.equal(refused.status, 403, refused.body);
        const problem = refused.json<{ code: string; details: { continueAt: string } }>();
        assert.deepEqual([problem.code, problem.details.continueAt], ['IDENTITY_PROOF_REQUIRED', ownPage]);

        // There (Lanyard's page in any browser) the ORCID sign-in proves the iD first: test/orcid/mailed-link-proof.test.ts.
        assert.equal((await ctx().browser().get(new URL(ownPage).pathname)).status, 200);
      });

      test('an address no account uses → "Connect to an existing user": password login → review page → merge into the signed-in account', async () => {
        const email = unique('existing');
        const account = await createPasswordAccount(ctx(), email);
        const orcid = addOrcidUser(ctx(), {
          emails: [{ email: unique('elsewhere'), visibility: 'public', verified: true }],
        });
        const c = await ui();
        const token = tokenOf(await followOrcid(c, await orcidButton(c, '/reload/2'), orcid), 'external-login');
        const page = c;
        await page.start();
        assert.equal((await page.findByToken(token)).json<Registration>().user, null);
        // The login modal (redirect preset to /review-account/{token}), then the review page.
        assert.equal((await page.authenticate(email, 'correct horse battery')).status, 200);
        const review = (await page.findByToken(token)).json<Registration>();
        assert.equal(review.registrationType, 'ORCID');
        const { eperson } = await page.authenticatedUser();
        const merged = await page.mergeEPersonDataWithToken(eperson.json().id, token, []);
        assert.deepEqual(
          merged.map((r) => r.status),
          [201],
          merged.map((r) => r.body).join('\n'),
        );
        assert.equal(merged[0]!.json().netid, orcid);

        const again = await ui();
        assert.equal(await followOrcid(again, await orcidButton(again, '/profile'), orcid), `${UI}/profile`);
        assert.equal((await signedInAfterRedirect(again)).id, account.id);
      });

      for (const overrides of [
        ['eperson.firstname', 'eperson.lastname'],
        ['eperson.firstname', 'eperson.lastname', 'email'],
      ])
        test(`the typed address has an account → mailed /review-account → ${overrides.length} overridden fields, one POST each → linked`, async () => {
          const email = unique('review');
          const account = await createPasswordAccount(ctx(), email, { givenName: 'J.', familyName: 'Doe-Old' });
          const orcid = addOrcidUser(ctx(), {
            givenNames: 'Jane',
            familyName: 'Doe',
            emails: [{ email: unique('private'), visibility: 'private', verified: true }],
          });
          const c = await ui();
          const token = tokenOf(await followOrcid(c, await orcidButton(c, '/reload/3'), orcid), 'external-login');
          const reg = (await c.findByToken(token)).json<Registration>();
          assert.equal((await c.patchUpdateRegistration([email], reg.id, token, 'add')).status, 204);

          const mailed = await mailedUiToken(email, 'review-account');
          const page = c;
          await page.start();
          const review = (await page.findByToken(mailed)).json<Registration>();
          assert.deepEqual([review.registrationType, review.user], ['VALIDATION_ORCID', account.id]);
          assert.deepEqual(
            [
              review.registrationMetadata['eperson.firstname']?.[0]?.overrides,
              review.registrationMetadata['eperson.lastname']?.[0]?.overrides,
            ],
            ['J.', 'Doe-Old'],
          );
          const answers = await page.mergeEPersonDataWithToken(review.user!, mailed, overrides);
          assert.deepEqual(
            answers.map((r) => r.status),
            overrides.map(() => 201),
            answers.map((r) => r.body).join('\n'),
          );
          // Anonymous, as the UI is here: the account now carries the iD and both names from ORCID.
          const back = await followOrcid(page, await orcidButton(page, '/profile'), orcid);
          assert.equal(back, `${UI}/profile`);
          const me = await signedInAfterRedirect(page);
          assert.deepEqual(
            [
              me.id,
              me.email,
              me.netid,
              me.metadata['eperson.firstname'][0].value,
              me.metadata['eperson.lastname'][0].value,
            ],
            [account.id, email, orcid, 'Jane', 'Doe'],
          );
          // The token is spent for anything but overrides of this account: another account (403 signed
          // in, 401 anonymous — DSpace's AuthorizeException), or findByToken.
          const other = await createPasswordAccount(ctx(), unique('other'));
          const [elsewhere] = await page.mergeEPersonDataWithToken(other.id, mailed, ['eperson.firstname']);
          assert.deepEqual([elsewhere!.status, elsewhere!.json().code], [403, 'FORBIDDEN']);
          const stranger = await ui();
          const [anonymous] = await stranger.mergeEPersonDataWithToken(other.id, mailed, ['eperson.firstname']);
          assert.deepEqual([anonymous!.status, anonymous!.json().code], [401, 'FORBIDDEN']);
          assert.equal((await page.findByToken(mailed)).json().code, 'TOKEN_CONSUMED');
        });

      test('the follow-up window closes: after LANYARD_MERGE_FOLLOW_UP_SECONDS the token is TOKEN_CONSUMED for overrides too', async () => {
        const email = unique('late');
        const account = await createPasswordAccount(ctx(), email, { givenName: 'Old' });
        const orcid = addOrcidUser(ctx(), {
          givenNames: 'New',
          emails: [{ email: unique('private'), visibility: 'private', verified: true }],
        });
        const c = await ui();
        const token = tokenOf(await followOrcid(c, await orcidButton(c, '/reload/4'), orcid), 'external-login');
        const reg = (await c.findByToken(token)).json<Registration>();
        assert.equal((await c.patchUpdateRegistration([email], reg.id, token, 'add')).status, 204);
        const mailed = await mailedUiToken(email, 'review-account');
        const [first] = await c.mergeEPersonDataWithToken(account.id, mailed, []);
        assert.equal(first!.status, 201);
        ctx().clock.advance(ctx().config.mergeFollowUpSeconds * 1000);
        const [late] = await c.mergeEPersonDataWithToken(account.id, mailed, ['eperson.firstname']);
        assert.deepEqual([late!.status, late!.json().code], [401, 'TOKEN_CONSUMED']);
        const row = await ctx()
          .lanyard.db.selectFrom('account')
          .select('given_name')
          .where('id', '=', account.id)
          .executeTakeFirstOrThrow();
        assert.equal(row.given_name, 'Old', 'the late override changed nothing');
      });

      test('forgot password: UI /forgot/{token} → findByToken names the account → PATCH add /password with the token → the new password signs in, the old one and old sessions do not', async () => {
        const email = unique('forgot');
        const account = await createPasswordAccount(ctx(), email);
        const before = await ui();
        assert.equal((await before.authenticate(email, 'correct horse battery')).status, 200);

        const c = await ui();
        const asked = await c.registerEmail(email, 'forgot');
        assert.equal(asked.status, 201, asked.body);
        const token = await mailedUiToken(email, 'forgot');
        await c.start();
        const reg = (await c.findByToken(token)).json<Registration>();
        assert.deepEqual([reg.registrationType, reg.email, reg.user], ['FORGOT', email, account.id]);

        const patched = await c.patchPasswordWithToken(reg.user!, token, 'a brand new passphrase');
        assert.equal(patched.status, 200, patched.body);
        assert.equal(patched.json().id, account.id);
        const again = await c.patchPasswordWithToken(reg.user!, token, 'yet another passphrase');
        assert.deepEqual([again.status, again.json().code], [401, 'TOKEN_CONSUMED']);

        assert.equal((await before.status()).json().authenticated, false, 'the reset ended every session');
        assert.equal((await c.authenticate(email, 'correct horse battery')).status, 401, 'the old password is dead');
        assert.equal((await c.authenticate(email, 'a brand new passphrase')).status, 200);
      });

      test('password PATCH refusals change nothing: another account’s uuid with a token, a weak password, no token and no sign-in, a wrong current password, someone else’s account', async () => {
        const email = unique('victim');
        const victim = await createPasswordAccount(ctx(), email);
        const attackerEmail = unique('attacker');
        const attacker = await createPasswordAccount(ctx(), attackerEmail);
        const c = await ui();
        assert.equal((await c.registerEmail(attackerEmail, 'forgot')).status, 201);
        const token = await mailedUiToken(attackerEmail, 'forgot');
        const db = ctx().lanyard.db;
        const refused = async (action: () => ReturnType<DSpaceUiClient['request']>, status: number, code: string) => {
          const res = await expectNoChange(db, action);
          assert.deepEqual([res.status, res.json().code], [status, code], res.body);
        };

        // The attacker's own reset link aimed at the victim's account.
        await refused(() => c.patchPasswordWithToken(victim.id, token, 'owned by the attacker'), 401, 'FORBIDDEN');
        await refused(() => c.patchPasswordWithToken(attacker.id, token, 'short'), 422, 'PASSWORD_TOO_WEAK');
        await refused(
          () => c.patchPasswordWithToken(attacker.id, 'A'.repeat(43), 'a fine passphrase'),
          401,
          'TOKEN_INVALID',
        );
        await refused(
          () => c.patchPassword(victim.id, 'correct horse battery', 'owned by the attacker'),
          401,
          'AUTH_REQUIRED',
        );

        assert.equal((await c.authenticate(attackerEmail, 'correct horse battery')).status, 200);
        await refused(
          () => c.patchPassword(victim.id, 'correct horse battery', 'owned by the attacker'),
          403,
          'FORBIDDEN',
        );
        await refused(
          () => c.patchPassword(attacker.id, 'not my password', 'a new passphrase'),
          403,
          'INVALID_CREDENTIALS',
        );
        const bare = await expectNoChange(db, () =>
          c.request('PATCH', `${c.link('epersons')}/${attacker.id}`, {
            body: JSON.stringify([{ op: 'add', path: '/password', value: { new_password: 'a new passphrase' } }]),
          }),
        );
        assert.deepEqual([bare.status, bare.json().code], [400, 'VALIDATION_FAILED']);

        // Signed in with the current password: changed, and this session lives on.
        const changed = await c.patchPassword(attacker.id, 'correct horse battery', 'my own new passphrase');
        assert.equal(changed.status, 200, changed.body);
        assert.equal((await c.authenticatedUser()).eperson.status, 200, 'the session that changed it stays signed in');
        const fresh = await ui();
        assert.equal((await fresh.authenticate(attackerEmail, 'my own new passphrase')).status, 200);
        assert.equal((await fresh.authenticate(email, 'correct horse battery')).status, 200, 'the victim is untouched');
      });
    });
  });
}
