import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { uniqueEmail } from '../support/accounts.js';
import type { Browser, Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { ForwardProxy } from '../support/forward-proxy.js';
import { freePort } from '../support/listening-app.js';
import { signInWithOrcid } from '../support/orcid.js';
import { createTestApp, PUBLIC_URL, TEST_ORCID_CLIENT, type TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';
import { type OrcidEmulator, mintOrcid, startOrcidEmulator } from '../../src/emulator/orcid/index.js';
import { withSelfId } from '../../src/orcid-api/work.js';
import { queuePut } from '../../src/stores/orcid-works.js';

/**
 * A deployment that reaches the internet only through a forward proxy (HTTPS_PROXY, HTTP_PROXY,
 * NO_PROXY). ORCID is an emulator that Lanyard knows by a name only the proxy resolves
 * (`orcid.egress.test`), as a university's egress alone resolves the outside world: a call that
 * does not go through the proxy cannot reach it. The proxy is a real one (CONNECT and
 * absolute-URI requests) that lists what passed through.
 */
const ORCID_HOST = 'orcid.egress.test';
/**
 * 127.0.0.1 written as an IPv4-mapped IPv6 literal: reachable from this machine both directly and
 * through the proxy, yet not a loopback name (those always go direct), so NO_PROXY alone decides.
 */
const MAPPED = '[::ffff:7f00:1]';

for (const backend of backends()) {
  describe(`outgoing calls through a forward proxy [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let proxy: ForwardProxy;
    let orcid: OrcidEmulator;
    /** The same emulator's kind on loopback, known by its address. */
    let local: OrcidEmulator;
    let port: number;
    before(async () => {
      if (reason) return;
      proxy = await new ForwardProxy({ [ORCID_HOST]: '127.0.0.1', [MAPPED]: '127.0.0.1' }).start();
    });
    after(async () => proxy?.stop());
    // Emulators of each test's own: a connection the test's browser kept open to one while the
    // next test's Lanyard starts (seconds, on a loaded machine) is closed by the emulator under it.
    beforeEach(async () => {
      if (reason) return;
      port = await freePort();
      orcid = await startOrcidEmulator({ port, baseUrl: `http://${ORCID_HOST}:${port}` });
      local = await startOrcidEmulator();
      for (const emulator of [orcid, local])
        emulator.state.addClient({ ...TEST_ORCID_CLIENT, redirectUris: [PUBLIC_URL], member: true });
    });
    afterEach(async () => {
      await orcid?.close();
      await local?.close();
    });

    /** A Lanyard whose ORCID is the emulator at `site`, with these proxy variables; closed after `body`. */
    async function withLanyard(site: string, proxyEnv: Record<string, string>, body: (app: TestApp) => Promise<void>) {
      const app = await createTestApp(backend, {
        LANYARD_ORCID_ENV: 'custom',
        LANYARD_ORCID_SITE_URL: site,
        LANYARD_ORCID_API_URL: `${site}/member-api`,
        LANYARD_ORCID_CLIENT_ID: TEST_ORCID_CLIENT.clientId,
        LANYARD_ORCID_CLIENT_SECRET: TEST_ORCID_CLIENT.clientSecret,
        LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update',
        ...proxyEnv,
      });
      try {
        await body(app);
      } finally {
        await app.close();
      }
    }

    function researcher(emulator = orcid): string {
      const orcidId = mintOrcid(new Set());
      emulator.state.addUser({
        orcid: orcidId,
        givenNames: 'Egress',
        familyName: 'Researcher',
        emails: [{ email: uniqueEmail('proxy'), visibility: 'public', verified: true }],
      });
      return orcidId;
    }

    /** Signs in with ORCID; the browser reaches the emulator at its loopback address (it is not behind the proxy). */
    function signIn(browser: Browser, orcidId: string): Promise<Page> {
      return signInWithOrcid(browser, orcidId, {
        authorize: (url) => {
          url.protocol = 'http:';
          url.hostname = '127.0.0.1';
        },
      });
    }

    async function createAccount(browser: Browser, orcidId: string): Promise<void> {
      const back = await signIn(browser, orcidId);
      assert.equal(back.status, 303, back.body.slice(0, 400));
      assert.match(back.location ?? '', /^\/external-login\//);
      await browser.get(back.location!);
      const created = await browser.post(`${back.location}/create`, {});
      assert.equal(created.location, '/profile', created.body.slice(0, 400));
    }

    const assertUnavailable = (page: Page) => {
      assert.equal(page.status, 503, page.body.slice(0, 400));
      assert.match(page.body, /data-error-code="PROVIDER_UNAVAILABLE"/);
      assert.match(page.body, /href="\/login"/, 'a way back');
    };

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('with HTTP_PROXY set, the ORCID sign-in and a works push go through the proxy', async () => {
        const site = `http://${ORCID_HOST}:${port}`;
        // NO_PROXY explicitly empty: nothing but loopback goes direct.
        await withLanyard(site, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '' }, async (app) => {
          proxy.seen.length = 0;
          const orcidId = researcher();
          await createAccount(app.browser(), orcidId);
          const passed = proxy.seenFor(`${ORCID_HOST}:${port}`);
          assert.ok(passed.includes(`POST ${site}/oauth/token`), passed.join('\n'));
          assert.ok(
            passed.some((line) => line.startsWith(`GET ${site}/member-api/`)),
            passed.join('\n'),
          );

          const { account_id: accountId } = await app.lanyard.db
            .selectFrom('identity')
            .select('account_id')
            .where('provider', '=', 'orcid')
            .where('subject', '=', orcidId)
            .executeTakeFirstOrThrow();
          const doi = '10.5555/proxy.1';
          const content = withSelfId(
            { title: 'Sent through the egress proxy', type: 'journal-article', externalIds: [] },
            { type: 'doi', value: doi },
          );
          const write = await queuePut(
            app.lanyard.db,
            { accountId, clientId: '', externalIdType: 'doi', externalId: doi },
            doi,
            content,
            app.clock.now(),
          );
          const done = await waitUntil(async () => {
            await app.lanyard.orcidWrites.deliverDue();
            const row = await app.lanyard.db
              .selectFrom('orcid_write')
              .selectAll()
              .where('id', '=', write.id)
              .executeTakeFirstOrThrow();
            if (row.state !== 'queued') return row;
            if (row.attempts > 0 && row.claimed_until === null) app.clock.advance(3600_000);
            return null;
          }, 'the push');
          assert.equal(done.state, 'delivered', String(done.last_error));
          assert.ok(
            proxy.seenFor(`${ORCID_HOST}:${port}`).includes(`POST ${site}/member-api/v3.0/${orcidId}/work`),
            proxy.seen.join('\n'),
          );
          assert.equal(orcid.state.users.get(orcidId)!.works.length, 1);
        });
      });

      test('a host NO_PROXY covers is called directly: the proxy sees nothing', async () => {
        const site = `http://${ORCID_HOST}:${port}`;
        await withLanyard(
          site,
          { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,.egress.test' },
          async (app) => {
            proxy.seen.length = 0;
            // Only the proxy resolves the name: called directly, ORCID is unreachable.
            assertUnavailable(await signIn(app.browser(), researcher()));
            assert.deepEqual(proxy.seen, []);
          },
        );
      });

      test('an IP address inside a NO_PROXY range (CIDR, IPv4 or IPv6) or equal to a listed address is called directly; one outside goes through the proxy', async () => {
        const mappedPort = await freePort();
        const site = `http://${MAPPED}:${mappedPort}`;
        const emulator = await startOrcidEmulator({ port: mappedPort, baseUrl: site });
        emulator.state.addClient({ ...TEST_ORCID_CLIENT, redirectUris: [PUBLIC_URL], member: true });
        try {
          for (const noProxy of ['10.0.0.0/8,127.0.0.0/8', '.uni.example, ::ffff:127.0.0.0/104', '::ffff:127.0.0.1']) {
            await withLanyard(
              site,
              { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: noProxy },
              async (app) => {
                proxy.seen.length = 0;
                await createAccount(app.browser(), researcher(emulator));
                assert.deepEqual(proxy.seen, [], noProxy);
              },
            );
          }
          // Ranges that do not hold the address; and a name, which a range never matches (no DNS lookup).
          const named = `http://${ORCID_HOST}:${port}`;
          for (const [noProxy, url, target] of [
            ['10.0.0.0/8,fd00::/8,192.168.0.1', site, emulator],
            ['127.0.0.0/8', named, orcid],
          ] as const) {
            await withLanyard(
              url,
              { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: noProxy },
              async (app) => {
                proxy.seen.length = 0;
                await createAccount(app.browser(), researcher(target));
                assert.ok(proxy.seen.includes(`POST ${url}/oauth/token`), `${noProxy}: ${proxy.seen.join('\n')}`);
              },
            );
          }
        } finally {
          await emulator.close();
        }
      });

      test('loopback is called directly, whatever NO_PROXY says', async () => {
        await withLanyard(
          local.siteUrl,
          { http_proxy: proxy.url, https_proxy: proxy.url, NO_PROXY: '' },
          async (app) => {
            proxy.seen.length = 0;
            await createAccount(app.browser(), researcher(local));
            assert.deepEqual(proxy.seen, []);
          },
        );
      });

      for (const [scheme, refusal] of [
        ['https', 403],
        ['https', 407],
        ['http', 407],
      ] as const)
        test(`a proxy that refuses ${scheme} with ${refusal} gives the "provider unavailable" page`, async () => {
          await withLanyard(
            `${scheme}://${ORCID_HOST}:${port}`,
            { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
            async (app) => {
              proxy.seen.length = 0;
              proxy.refuse = refusal;
              try {
                assertUnavailable(await signIn(app.browser(), researcher()));
                assert.ok(proxy.seen.length > 0, 'the proxy was asked');
              } finally {
                proxy.refuse = null;
              }
            },
          );
        });

      test('a proxy nothing answers at gives the "provider unavailable" page', async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        await withLanyard(`https://${ORCID_HOST}:${port}`, { HTTPS_PROXY: closed }, async (app) => {
          assertUnavailable(await signIn(app.browser(), researcher()));
        });
      });
    });
  });
}
