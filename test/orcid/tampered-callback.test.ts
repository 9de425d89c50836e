import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addOrcidUser } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

/**
 * A callback the browser changed on its way back from ORCID is the client's doing, not ORCID's:
 * 400 OAUTH_CALLBACK_INVALID with a way back, never 502 PROVIDER_ERROR, and nothing written.
 */
forEachBackend(
  'tampered ORCID callbacks',
  (ctx) => {
    let n = 0;
    const tamperings: [string, (callback: URL) => void][] = [
      ['a second code', (u) => u.searchParams.append('code', 'AAAAAA')],
      ['a second state', (u) => u.searchParams.append('state', u.searchParams.get('state')!)],
      ['an empty code', (u) => u.searchParams.set('code', '')],
      ['a foreign issuer', (u) => u.searchParams.set('iss', 'https://evil.example')],
      ['an ID token in the query (implicit flow)', (u) => u.searchParams.set('id_token', 'eyJhbGciOiJub25lIn0.e30.')],
      ['an access token in the query', (u) => u.searchParams.set('token', 'stolen')],
      ['a JARM response parameter', (u) => u.searchParams.set('response', 'eyJhbGciOiJub25lIn0.e30.')],
      ['an error code OAuth does not define', (u) => u.searchParams.set('error', 'pwned<script>')],
    ];
    for (const [name, tamper] of tamperings) {
      test(`${name} → 400 OAUTH_CALLBACK_INVALID, nothing written`, async () => {
        const app = ctx();
        const orcid = addOrcidUser(app, {
          emails: [{ email: `tamper-${++n}@uni.example`, visibility: 'public', verified: true }],
        });
        const browser = app.browser();
        const start = await browser.get('/login/orcid');
        const authorize = new URL(start.location!);
        authorize.searchParams.set('login_as', orcid);
        const callback = new URL((await browser.get(authorize.href)).location!);
        tamper(callback);
        const page = await browser.get(callback.pathname + callback.search);
        assert.equal(page.status, 400, page.body.slice(0, 300));
        assert.match(page.body, /data-error-code="OAUTH_CALLBACK_INVALID"/);
        assert.match(page.body, /href="\/login"/, 'a way back');
        const db = app.lanyard.db;
        assert.equal((await db.selectFrom('identity').select('id').where('subject', '=', orcid).execute()).length, 0);
        assert.equal(
          (await db.selectFrom('registration').select('id').where('subject', '=', orcid).execute()).length,
          0,
        );
      });
    }
  },
  withOrcid,
);
