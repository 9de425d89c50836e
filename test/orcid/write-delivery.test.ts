import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { addOrcidUser, createAccountWithOrcid } from '../support/orcid.js';
import { createTestApp, TEST_ORCID_CLIENT, type TestApp, withOrcid } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';
import { withSelfId } from '../../src/orcid-api/work.js';
import { queuePut } from '../../src/stores/orcid-works.js';

/**
 * How the ORCID write worker ends a write it delivered: the write's state and its audit event are
 * one transaction, so a database failure between them leaves neither, and the write is tried again.
 */
for (const backend of backends()) {
  describe(`ORCID write delivery [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp;
    before(async () => {
      if (reason) return;
      app = await createTestApp(backend, {
        ...withOrcid,
        LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update',
      });
    });
    after(async () => app?.close());

    /** A researcher whose account was made by signing in with ORCID; returns the iD and the account. */
    async function researcher() {
      const email = uniqueEmail('delivery');
      const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
      await createAccountWithOrcid(new Browser(app.app, app.config.publicUrl), orcid);
      const { account_id } = await app.lanyard.db
        .selectFrom('identity')
        .select('account_id')
        .where('provider', '=', 'orcid')
        .where('subject', '=', orcid)
        .executeTakeFirstOrThrow();
      return { orcid, accountId: account_id };
    }

    const ours = (orcid: string) =>
      app
        .orcid!.state.users.get(orcid)!
        .works.filter((w) => w.source.kind === 'client' && w.source.clientId === TEST_ORCID_CLIENT.clientId);
    const writeRow = (id: string) =>
      app.lanyard.db.selectFrom('orcid_write').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const auditOf = (id: string) =>
      app.lanyard.db
        .selectFrom('audit_event')
        .select(['action', 'detail'])
        .where('action', '=', 'orcid_work_pushed')
        .where(sql<string>`detail->>'write'`, '=', id)
        .execute();
    /** Runs the queue until the write has ended; a try ORCID answered too late is made due again. */
    async function settle(id: string) {
      return waitUntil(async () => {
        await app.lanyard.orcidWrites.deliverDue();
        const row = await writeRow(id);
        if (row.state !== 'queued') return row;
        if (row.claimed_until === null) app.clock.advance(3600_000);
        return null;
      }, `write ${id}`);
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('the audit event cannot be written: the write stays queued, no event, and goes out on the next try', async () => {
        const { orcid, accountId } = await researcher();
        const doi = '10.5555/audit.1';
        const content = withSelfId(
          { title: 'Audited', type: 'journal-article', externalIds: [] },
          { type: 'doi', value: doi },
        );
        // The database refuses the delivery's audit event, as a full disk or a dropped connection would.
        await sql`create function refuse_work_pushed() returns trigger language plpgsql as $$
          begin
            if new.action = 'orcid_work_pushed' then raise exception 'audit refused by the test'; end if;
            return new;
          end $$`.execute(app.lanyard.db);
        await sql`create trigger refuse_work_pushed before insert on audit_event
          for each row execute function refuse_work_pushed()`.execute(app.lanyard.db);
        const key = { accountId, clientId: '', externalIdType: 'doi', externalId: doi };
        const write = await queuePut(app.lanyard.db, key, doi, content, app.clock.now());

        const tried = await waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          const row = await writeRow(write.id);
          if (row.state !== 'queued' || row.error_code === 'INTERNAL') return row;
          // ORCID's answer came too late on a busy machine (HTTP_NO_ANSWER): make the write due again.
          if (row.attempts > 0 && row.claimed_until === null) app.clock.advance(3600_000);
          return null;
        }, 'a try that reaches the audit event');
        assert.equal(tried.state, 'queued', `a write whose audit event failed is not delivered: ${tried.last_error}`);
        assert.equal(tried.outcome, null);
        assert.equal(tried.put_code, null);
        assert.equal(tried.finished_at, null);
        assert.equal(tried.error_code, 'INTERNAL');
        assert.ok(tried.next_attempt_at > app.clock.now(), 'tried again later');
        assert.deepEqual(await auditOf(write.id), []);
        assert.equal(ours(orcid).length, 1, 'ORCID did receive the work');

        // The database takes audit events again: the next try delivers it once, with its event.
        await sql`drop trigger refuse_work_pushed on audit_event`.execute(app.lanyard.db);
        await sql`drop function refuse_work_pushed()`.execute(app.lanyard.db);
        app.clock.advance(60_000);
        const done = await settle(write.id);
        assert.equal(done.state, 'delivered');
        assert.equal(Number(done.put_code), ours(orcid)[0]!.putCode);
        const events = await auditOf(write.id);
        assert.equal(events.length, 1);
        assert.equal((events[0]!.detail as { putCode: number }).putCode, Number(done.put_code));
        assert.equal(ours(orcid).length, 1, 'no second copy at ORCID');
      });
    });
  });
}
