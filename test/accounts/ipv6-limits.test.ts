import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { addressBucket } from '../../src/lib/client-address.js';
import { PASSWORD, seedAccount } from '../support/accounts.js';
import { AddressClient, listen } from '../support/address-client.js';
import { forEachBackend } from '../support/suite.js';

const WRONG = 'not the password at all';

test('an IPv6 address counts by its /64; IPv4 and IPv4-mapped addresses by the IPv4 address', () => {
  const same = ['2001:db8:1:2::5', '2001:DB8:1:2:0:0:0:6', '2001:db8:0001:0002:ffff::1', '2001:db8:1:2:a:b:c:d'];
  for (const a of same) assert.equal(addressBucket(a), '2001:db8:1:2::/64', a);
  assert.equal(addressBucket('2001:db8:1:3::5'), '2001:db8:1:3::/64');
  assert.equal(addressBucket('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressBucket('192.0.2.1'), '192.0.2.1');
  assert.equal(addressBucket('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(addressBucket('::ffff:c000:201'), '192.0.2.1');
  assert.equal(addressBucket('not an address'), 'not an address');
});

/**
 * docs/security.md "Limits count an IPv6 client by its /64": one host holds a whole /64 and may send
 * from any of its addresses. Counted per address, every guess from a new address was a new client's
 * first try — never delayed — so one machine guessed one account's password without limit. The
 * per-route limits (sign-in, token guesses) count in the same unit, checked here too. Real HTTP
 * through a trusted proxy that names each client in X-Forwarded-For, as a load balancer in front
 * of Lanyard does.
 */
forEachBackend(
  'limits count an IPv6 client by its /64, not per address',
  (ctx) => {
    let origin: string;
    before(async () => {
      // The password throttle counts in seconds; a frozen clock keeps a slow machine from waiting it out.
      ctx().clock.freeze();
      origin = await listen(ctx().app);
    });
    let host = 0;
    /** A client behind the proxy at 127.0.0.1 whose address is `address`. */
    const via = (client: AddressClient, address: string) => ({
      login: async (email: string, password: string) => {
        if (!client.xsrf) await client.send('GET', '/api/authn/status', undefined, { accept: 'application/json' });
        return client.send('POST', '/api/authn/login', new URLSearchParams({ user: email, password }).toString(), {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'x-xsrf-token': client.xsrf!,
          'x-forwarded-for': address,
        });
      },
      get: (path: string) => client.send('GET', path, undefined, { accept: 'text/html', 'x-forwarded-for': address }),
    });

    test('wrong passwords from a new address of one /64 each time are delayed like one address’s', async () => {
      const account = await seedAccount(ctx().lanyard);
      const client = new AddressClient(origin, '127.0.0.1');
      const statuses: number[] = [];
      // Twelve guesses, each from another address of 2001:db8:1:2::/64.
      for (let i = 0; i < 12; i++)
        statuses.push((await via(client, `2001:db8:1:2:${i + 1}::${i + 7}`).login(account.email, WRONG)).status);
      // Five failures of one client are free, the sixth makes it wait; nothing more was checked.
      assert.deepEqual(statuses, [...Array(6).fill(401), ...Array(6).fill(429)]);
      const refused = await via(client, '2001:db8:1:2:ffff::99').login(account.email, PASSWORD);
      assert.equal(refused.status, 429, 'yet another address of the /64 waits too, even with the right password');
      // The owner, on another network, is not slowed by someone else’s guesses.
      const owner = new AddressClient(origin, '127.0.0.1');
      assert.equal((await via(owner, '2001:db8:77:1::5').login(account.email, PASSWORD)).status, 200);
    });

    test('the per-route limits count in the same unit: token guesses from new addresses of one /64', async () => {
      const client = new AddressClient(origin, '127.0.0.1');
      const prefix = '2001:db8:2:3';
      // Each guess from another address of the /64.
      const guess = () => via(client, `${prefix}:${(++host).toString(16)}::1`).get(`/forgot/${'A'.repeat(43)}`);
      for (let i = 0; i < 3; i++) assert.notEqual((await guess()).status, 429, `guess ${i + 1}`);
      assert.equal((await guess()).status, 429, 'the fourth guess from the /64');
      const other = await via(client, '2001:db8:2:4::1').get(`/forgot/${'A'.repeat(43)}`);
      assert.notEqual(other.status, 429, 'another /64 has its own limit');
    });
  },
  { LANYARD_TRUST_PROXY: '127.0.0.1', LANYARD_RATE_TOKEN_PER_MINUTE: '3' },
);
