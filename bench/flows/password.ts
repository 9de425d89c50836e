import type { Flow } from '../load.js';
import { csrfFieldOf, expectStatus } from '../lib/http.js';

/** The password every seeded account has (bench/seed.ts). */
export const BENCH_PASSWORD = 'correct horse battery staple';

/** (c) Password sign-in: GET /login (CSRF cookie and field) → POST /login (argon2id verify, session). */
export function passwordFlow(lanyardUrl: string, emails: readonly string[]): Flow {
  return async (it) => {
    const page = expectStatus('GET /login', await it.step('GET /login', it.browser.get(`${lanyardUrl}/login`)), 200);
    const email = emails[it.index % emails.length]!;
    const res = await it.step(
      'POST /login',
      it.browser.post(`${lanyardUrl}/login`, { email, password: BENCH_PASSWORD, _csrf: csrfFieldOf(page.body) }),
    );
    expectStatus('POST /login', res, 303);
    if (!res.setCookies.some((c) => c.startsWith('lanyard-session=')))
      throw new Error('POST /login: no session cookie');
  };
}
