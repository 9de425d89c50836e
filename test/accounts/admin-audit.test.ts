import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../../src/db/schema.js';
import { toCsv } from '../../src/http/pages/admin-audit.js';
import { updateAccount } from '../../src/stores/accounts.js';
import { recordAudit } from '../../src/stores/audit.js';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

async function operatorBrowser(app: TestApp) {
  const account = await seedAccount(app.lanyard);
  await updateAccount(app.lanyard.db, account.id, { is_admin: true }, app.clock.now());
  return { account, browser: await signedInBrowser(app, account.email) };
}

/** The filter form's input for `name`, as one string. */
const inputOf = (body: string, name: string) => new RegExp(`<input\\s+id="f-${name}"[^>]*>`).exec(body)?.[0] ?? '';
const rowsOf = (body: string) => [...body.matchAll(/<tr data-action="([a-z_]+)"/g)].map((m) => m[1]);

test('CSV export: quoted as RFC 4180, and a cell a spreadsheet would run as a formula is defused', () => {
  const event = {
    id: '1',
    at: new Date('2026-11-30T01:02:03Z'),
    action: 'link_refused',
    outcome: 'failure',
    account_id: null,
    actor_account_id: null,
    provider: 'uni',
    subject: '=HYPERLINK("http://evil.example","click")',
    ip: '192.0.2.1',
    detail: { note: 'a, "quoted"\nline' },
  } as unknown as AuditEvent;
  const [header, row] = toCsv([event]).split('\r\n');
  assert.equal(header, 'at,action,outcome,account_id,actor_account_id,provider,subject,ip,detail');
  assert.equal(
    row,
    `2026-11-30T01:02:03.000Z,link_refused,failure,,,uni,"'=HYPERLINK(""http://evil.example"",""click"")",192.0.2.1,"{""note"":""a, \\""quoted\\""\\nline""}"`,
  );
});

forEachBackend('the operators’ audit trail', (ctx) => {
  test('filters by account (id or email), event, provider, address and days; newest first', async () => {
    const { browser } = await operatorBrowser(ctx());
    const person = await seedAccount(ctx().lanyard);
    await signedInBrowser(ctx(), person.email);
    const now = ctx().clock.now();
    await recordAudit(
      ctx().lanyard.db,
      { action: 'unlink', accountId: person.id, provider: 'uni', ip: '198.51.100.7' },
      now,
    );

    const byEmail = await browser.get(`/admin/audit?account=${encodeURIComponent(person.email.toUpperCase())}`);
    assert.equal(byEmail.status, 200);
    assert.deepEqual(rowsOf(byEmail.body), ['unlink', 'sign_in']);
    assert.deepEqual(rowsOf((await browser.get(`/admin/audit?account=${person.id}&action=sign_in`)).body), ['sign_in']);
    assert.deepEqual(rowsOf((await browser.get(`/admin/audit?account=${person.id}&provider=uni`)).body), ['unlink']);
    assert.deepEqual(rowsOf((await browser.get('/admin/audit?ip=198.51.100.7')).body), ['unlink']);
    const today = now.toISOString().slice(0, 10);
    const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
    assert.ok(
      rowsOf((await browser.get(`/admin/audit?account=${person.id}&from=${today}&to=${today}`)).body).length === 2,
    );
    assert.deepEqual(rowsOf((await browser.get(`/admin/audit?account=${person.id}&from=${tomorrow}`)).body), []);
    // A day as German writes it (DD.MM.YYYY, leading zeros optional) is the same day, in either language.
    const [y, m, d] = today.split('-');
    const dotted = `${Number(d)}.${m}.${y}`;
    const german = await browser.get(`/admin/audit?account=${person.id}&from=${dotted}&to=+${d}.${m}.${y}+`);
    assert.equal(german.status, 200);
    assert.deepEqual(rowsOf(german.body), ['unlink', 'sign_in']);
    assert.ok(inputOf(german.body, 'from').includes(`value="${dotted}"`), 'the day stays as typed');
    assert.deepEqual(rowsOf((await browser.get('/admin/audit?account=nobody%40nowhere.example')).body), []);
  });

  test('exports the same filter as CSV and JSON lines, as attachments, and audits the export', async () => {
    const { account: admin, browser } = await operatorBrowser(ctx());
    const person = await seedAccount(ctx().lanyard);
    await signedInBrowser(ctx(), person.email);
    const csv = await browser.get(`/admin/audit?account=${person.id}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(
      String(csv.headers['content-disposition']),
      /^attachment; filename="lanyard-audit-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`,sign_in,success,${person.id},`));
    const jsonl = await browser.get(`/admin/audit?account=${person.id}&format=jsonl`);
    assert.match(String(jsonl.headers['content-type']), /^application\/x-ndjson/);
    const events = jsonl.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => [e.action, e.account_id, e.provider]),
      [['sign_in', person.id, 'password']],
    );
    const exports = await ctx()
      .lanyard.db.selectFrom('audit_event')
      .selectAll()
      .where('actor_account_id', '=', admin.id)
      .where('action', '=', 'admin_action')
      .execute();
    assert.equal(exports.length, 2, 'each export is audited');
  });

  test('attack: a non-admin, or nobody, reaches neither the trail nor an export; bad filters are 400 VALIDATION_FAILED', async () => {
    const person = await seedAccount(ctx().lanyard);
    const plain = await signedInBrowser(ctx(), person.email);
    await expectNoChange(ctx().lanyard.db, async () => {
      for (const path of ['/admin/audit', '/admin/audit?format=csv', '/admin/audit?format=jsonl']) {
        const refused = await plain.get(path);
        assert.equal(refused.status, 403, path);
        assert.match(refused.body, /ADMIN_REQUIRED/);
        assert.doesNotMatch(refused.body, /sign_in,success/);
        const anonymous = await ctx().browser().get(path);
        assert.equal(anonymous.status, 303, path);
      }
    });
    const { browser } = await operatorBrowser(ctx());
    for (const query of ['action=drop_table', 'account=not-an-id', `account=${'-'.repeat(36)}`, 'format=xlsx']) {
      const bad = await browser.get(`/admin/audit?${query}`);
      assert.equal(bad.status, 400, query);
      assert.match(bad.body, /data-error-code="VALIDATION_FAILED"/, query);
    }
  });

  test('a day that is not one: 400 INVALID_DAY on the page with the form kept, nothing listed or exported', async () => {
    const { account: admin, browser } = await operatorBrowser(ctx());
    await expectNoChange(ctx().lanyard.db, async () => {
      for (const [field, value] of [
        ['from', '31.02.2026'],
        ['to', '2026-13-45'],
        ['from', '11/30/2026'],
        ['to', '2026-02-30'],
        ['from', 'yesterday'],
        ['to', '30.11.26'],
      ] as const) {
        const bad = await browser.get(`/admin/audit?${field}=${encodeURIComponent(value)}&lang=de`);
        assert.equal(bad.status, 400, value);
        assert.match(bad.body, /data-error-code="INVALID_DAY"/, value);
        const input = inputOf(bad.body, field);
        assert.ok(input.includes(`value="${value}"`) && input.includes('aria-invalid="true"'), `${value}: ${input}`);
        assert.ok(!inputOf(bad.body, field === 'from' ? 'to' : 'from').includes('aria-invalid'), value);
        assert.match(bad.body, /als TT\.MM\.JJJJ/, value);
        assert.deepEqual(rowsOf(bad.body), [], value);
        for (const format of ['csv', 'jsonl']) {
          const exported = await browser.get(`/admin/audit?${field}=${encodeURIComponent(value)}&format=${format}`);
          assert.equal(exported.status, 400, `${format} ${value}`);
          assert.match(exported.body, /INVALID_DAY/);
        }
      }
    });
    const exports = await ctx()
      .lanyard.db.selectFrom('audit_event')
      .selectAll()
      .where('actor_account_id', '=', admin.id)
      .where('action', '=', 'admin_action')
      .execute();
    assert.deepEqual(exports, [], 'a refused export is not one');
  });

  test('the last day of year 9999 is the end of the trail; a year outside 1000–9999 is 400 INVALID_DAY, never 500', async () => {
    const { browser } = await operatorBrowser(ctx());
    const person = await seedAccount(ctx().lanyard);
    await signedInBrowser(ctx(), person.email);
    for (const to of ['9999-12-31', '31.12.9999']) {
      const page = await browser.get(`/admin/audit?account=${person.id}&to=${to}`);
      assert.equal(page.status, 200, `${to}: ${page.body.slice(0, 300)}`);
      assert.deepEqual(rowsOf(page.body), ['sign_in'], to);
      const csv = await browser.get(`/admin/audit?account=${person.id}&to=${to}&format=csv`);
      assert.equal(csv.status, 200, to);
      assert.match(csv.body, /,sign_in,success,/, to);
    }
    const first = await browser.get(`/admin/audit?account=${person.id}&from=1000-01-01&to=9999-12-31`);
    assert.deepEqual(rowsOf(first.body), ['sign_in']);
    assert.deepEqual(rowsOf((await browser.get(`/admin/audit?account=${person.id}&from=9999-12-31`)).body), []);
    // Years 0000–0999 are not the 1900s (as Date.UTC would read 0026), nor a day PostgreSQL reads.
    await expectNoChange(ctx().lanyard.db, async () => {
      for (const [field, value] of [
        ['to', '0026-11-30'],
        ['from', '30.11.0026'],
        ['from', '0000-01-01'],
        ['to', '0999-12-31'],
        ['to', '10000-01-01'],
      ] as const) {
        const bad = await browser.get(`/admin/audit?${field}=${encodeURIComponent(value)}`);
        assert.equal(bad.status, 400, value);
        assert.match(bad.body, /data-error-code="INVALID_DAY"/, value);
        assert.match(bad.body, /a year from 1000 to 9999/, value);
        assert.deepEqual(rowsOf(bad.body), [], value);
        const exported = await browser.get(`/admin/audit?${field}=${encodeURIComponent(value)}&format=csv`);
        assert.equal(exported.status, 400, `csv ${value}`);
        assert.match(exported.body, /INVALID_DAY/, `csv ${value}`);
      }
    });
  });
});
