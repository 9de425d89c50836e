import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Account } from '../../src/db/schema.js';
import { updateAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

/** The report's row (a <tr>) that names `account`, in the table of one kind. */
const rowOf = (body: string, kind: string, account: Account) =>
  body
    .match(new RegExp(`<table[^>]*data-duplicates="${kind}"[\\s\\S]*?</table>`))?.[0]
    .split('<tr>')
    .find((tr) => tr.includes(`/admin/accounts/${account.id}"`)) ?? '';

async function named(app: TestApp, given: string, family: string): Promise<Account> {
  const account = await seedAccount(app.lanyard);
  return updateAccount(app.lanyard.db, account.id, { given_name: given, family_name: family }, app.lanyard.clock.now());
}

async function admin(app: TestApp) {
  const account = await seedAccount(app.lanyard);
  await updateAccount(app.lanyard.db, account.id, { is_admin: true }, app.lanyard.clock.now());
  return signedInBrowser(app, account.email);
}

forEachBackend("operators' console: possible duplicates", (ctx) => {
  test('accounts sharing a verified email, an ORCID iD held by one and hinted on another, or a name are listed with a merge preview', async () => {
    const app = ctx();
    const now = app.lanyard.clock.now();
    const tag = randomBytes(3).toString('hex');
    // One person's institution released the address of their older password account, verified.
    const older = await seedAccount(app.lanyard);
    const viaInstitution = await seedAccount(app.lanyard);
    await insertIdentity(
      app.lanyard.db,
      viaInstitution.id,
      { provider: 'saml-uni', subject: `s-${tag}`, email: older.email, emailVerified: true },
      now,
    );
    // An unverified release of someone's address is no evidence.
    const unverified = await seedAccount(app.lanyard);
    const claimed = await seedAccount(app.lanyard);
    await insertIdentity(
      app.lanyard.db,
      unverified.id,
      { provider: 'saml-uni', subject: `u-${tag}`, email: claimed.email, emailVerified: false },
      now,
    );
    // ORCID identity on one account, the same iD asserted by an institution's OpenID provider on another.
    const orcid = '0000-0002-9079-593X';
    const withOrcid = await seedAccount(app.lanyard);
    await insertIdentity(app.lanyard.db, withOrcid.id, { provider: 'orcid', subject: orcid }, now);
    const hinted = await seedAccount(app.lanyard);
    await insertIdentity(
      app.lanyard.db,
      hinted.id,
      { provider: 'oidc-uni', subject: `o-${tag}`, profile: { hints: { orcid: `https://orcid.org/${orcid}` } } },
      now,
    );
    // The same name in other letter case; a disabled namesake (a merged duplicate, say) is not listed.
    const ada = await named(app, `Ada${tag}`, 'Lovelace');
    const ada2 = await named(app, `ADA${tag}`, 'lovelace');
    const gone = await named(app, `Ada${tag}`, 'Lovelace');
    await updateAccount(app.lanyard.db, gone.id, { status: 'disabled' }, now);

    const browser = await admin(app);
    const home = await browser.get('/admin?lang=en');
    assert.match(home.body, /<a href="\/admin\/duplicates">Possible duplicates<\/a>/);
    const page = await expectNoChange(app.lanyard.db, () => browser.get('/admin/duplicates?lang=en'));
    assert.equal(page.status, 200);
    assert.match(page.body, /At most 100 groups of each kind are shown/);

    const email = rowOf(page.body, 'email', older);
    assert.ok(email.includes(`/admin/accounts/${viaInstitution.id}"`), 'the verified email pair is missing');
    assert.ok(email.includes(`/admin/accounts/${older.id}/merge?duplicate=${viaInstitution.id}"`));
    assert.equal(rowOf(page.body, 'email', claimed), '', 'an unverified release was listed');

    const iD = rowOf(page.body, 'orcid', withOrcid);
    assert.match(iD, new RegExp(orcid));
    assert.ok(iD.includes(`/admin/accounts/${withOrcid.id}/merge?duplicate=${hinted.id}"`));

    const name = rowOf(page.body, 'name', ada);
    assert.ok(name.includes(`/admin/accounts/${ada.id}/merge?duplicate=${ada2.id}"`));
    assert.ok(!name.includes(gone.id), 'a disabled account was listed');

    // The link opens the merge preview (the hinted account signs in only through its institution).
    await app.lanyard.db
      .deleteFrom('identity')
      .where('account_id', '=', hinted.id)
      .where('provider', '=', 'password')
      .execute();
    const preview = await browser.get(`/admin/accounts/${withOrcid.id}/merge?duplicate=${hinted.id}`);
    assert.equal(preview.status, 200);

    const de = await browser.get('/admin/duplicates?lang=de');
    assert.match(de.body, /Mögliche Dubletten/);
  });

  test('attack: a non-admin gets 403 ADMIN_REQUIRED and no names; a signed-out visitor is sent to sign in', async () => {
    const app = ctx();
    const someone = await named(app, 'Secret', `Person${randomBytes(3).toString('hex')}`);
    await named(app, someone.given_name!, someone.family_name!);
    const user = await seedAccount(app.lanyard);
    const browser = await signedInBrowser(app, user.email);
    const refused = await browser.get('/admin/duplicates');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /ADMIN_REQUIRED/);
    assert.doesNotMatch(refused.body, new RegExp(someone.family_name!));
    const anonymous = await app.browser().get('/admin/duplicates');
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.location, `/login?returnTo=${encodeURIComponent('/admin/duplicates')}`);
  });
});
