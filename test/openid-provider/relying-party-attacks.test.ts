import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { seedAccount, uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { registerRelyingParty, type RelyingParty } from '../support/op-client.js';
import { authorizeWithPassword } from '../support/op-sign-in.js';
import type { TestApp } from '../support/test-app.js';

/**
 * A repository's developer, and an attacker, against Lanyard's OpenID provider over real HTTP:
 * what a relying party sends that Lanyard cannot honour, requests that lose a race, and sign-out.
 */
for (const backend of backends()) {
  describe(`OpenID provider, as a relying party sees it [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let rp: RelyingParty;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend);
      rp = await registerRelyingParty(app, { name: 'Race repository', redirect: 'http://127.0.0.1:9/race' });
    });
    after(async () => app?.close());

    const basic = (r: RelyingParty) =>
      `Basic ${Buffer.from(`${encodeURIComponent(r.clientId)}:${encodeURIComponent(r.secret!)}`).toString('base64')}`;

    /** Pushes an authorization request (RFC 9126) for `r`; its request_uri. */
    async function push(r: RelyingParty, extra: Record<string, string> = {}): Promise<string> {
      const res = await fetch(`${app.url}/oidc/request`, {
        method: 'POST',
        headers: { authorization: basic(r), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: r.clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: r.redirect,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuKZWV9pbw7',
          code_challenge_method: 'S256',
          state: 'pushed',
          ...extra,
        }).toString(),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { request_uri: string }).request_uri;
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('attack: a pushed request used by another request between this one’s read and its write is a clean 400 (invalid_request_uri, no Location), and no code is stored', async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('par-race'));
        // Signed in, with a grant: the next request for this client goes straight to a code.
        const { browser } = await authorizeWithPassword(rp.config, account.email, rp.redirect, { scope: 'openid' });
        const requestUri = await push(rp);
        const id = requestUri.split(':').at(-1)!;
        // Another request (on this process or another) marks the pushed request used a moment before
        // this one writes: this request's conditional UPDATE then finds it taken, as a loser's does.
        await sql`create function lanyard_test_par_taken() returns trigger language plpgsql as $$
            begin
              if old.model = 'PushedAuthorizationRequest' and old.id = ${sql.lit(id)} and new.consumed_at is not null then
                return null;
              end if;
              return new;
            end $$`.execute(app.lanyard.db);
        await sql`create trigger lanyard_test_par_taken before update on oidc_payload
            for each row execute function lanyard_test_par_taken()`.execute(app.lanyard.db);
        try {
          const codesBefore = await codes();
          const page = await browser.get(
            `${app.url}/oidc/auth?client_id=${encodeURIComponent(rp.clientId)}&request_uri=${encodeURIComponent(requestUri)}`,
          );
          assert.equal(page.status, 400, `${page.status} ${page.location}`);
          assert.equal(page.location, undefined, 'an error answer sends the browser nowhere');
          assert.equal(page.headers.refresh, undefined);
          assert.match(String(page.headers['content-type']), /^text\/html/);
          assert.match(page.body, /invalid_request_uri/);
          assert.doesNotMatch(page.body, /code=/);
          assert.equal(await codes(), codesBefore, 'no code was stored for the lost request');
        } finally {
          await sql`drop trigger lanyard_test_par_taken on oidc_payload`.execute(app.lanyard.db);
          await sql`drop function lanyard_test_par_taken()`.execute(app.lanyard.db);
        }
      });
    });

    const codes = async () =>
      Number(
        (
          await app.lanyard.db
            .selectFrom('oidc_payload')
            .select((e) => e.fn.countAll().as('n'))
            .where('model', '=', 'AuthorizationCode')
            .executeTakeFirstOrThrow()
        ).n,
      );
    void Browser;
  });
}
