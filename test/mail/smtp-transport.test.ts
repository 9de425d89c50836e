import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OutboxMail } from '../../src/db/schema.js';
import { smtpTransport } from '../../src/mail/worker.js';
import { MailCatcher } from '../support/mail-catcher.js';

// nodemailer loads with the first mail, not when the transport is made: the first sends, made at
// once, must all arrive, each once.
const catcher = new MailCatcher();
before(() => catcher.start());
after(() => catcher.stop());

const mail = (id: string, to: string) =>
  ({ id, to_address: to, subject: `mail ${id}`, text_body: `text ${id}`, html_body: `<p>${id}</p>` }) as OutboxMail;

test('the first mails, sent at once, each arrive once with the outbox id as Message-ID', async () => {
  const transport = smtpTransport(catcher.url, 'lanyard@example.org', 'lanyard.example.org');
  try {
    const sent = ['a', 'b', 'c'].map((id) => mail(`first-${id}`, `first-${id}@example.org`));
    await Promise.all(sent.map((m) => transport.send(m)));
    for (const m of sent) {
      const caught = await catcher.waitFor(m.to_address);
      assert.equal(caught.subject, m.subject);
      assert.equal(caught.messageId, `<${m.id}@lanyard.example.org>`);
    }
    assert.equal(catcher.messages.filter((c) => c.to.startsWith('first-')).length, 3);
  } finally {
    transport.close();
  }
});

test('a transport closed before it sent anything closes quietly', () => {
  smtpTransport(catcher.url, 'lanyard@example.org', 'lanyard.example.org').close();
});
