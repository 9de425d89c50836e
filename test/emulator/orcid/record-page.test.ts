import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type OrcidEmulator, startOrcidEmulator } from '../../../src/emulator/orcid/index.js';

let orcid: OrcidEmulator;
before(async () => {
  orcid = await startOrcidEmulator({});
});
after(() => orcid.close());

test('§6 the iD link (display guidelines) opens a public record page showing only public data', async () => {
  const page = await fetch(`${orcid.siteUrl}/0000-0002-1825-0097`);
  assert.equal(page.status, 200);
  const body = await page.text();
  assert.match(body, /Josiah Carberry/);
  assert.match(body, /not the real ORCID/);
  const privateUser = await (await fetch(`${orcid.siteUrl}/0000-0001-5109-3700`)).text();
  assert.doesNotMatch(privateUser, /maria\.rossi@example\.it/, 'a private email is never shown');
  assert.equal((await fetch(`${orcid.siteUrl}/0000-0000-0000-0000`)).status, 404);
  assert.equal((await fetch(`${orcid.siteUrl}/not-an-id`)).status, 404);
});
