import type { Flow } from '../load.js';
import { expectStatus } from '../lib/http.js';
import type { HeldToken } from './private-email.js';

export type TokenRoute = 'api' | 'page';

/** DSpace's contract (docs/design.md, DSpace §4): the registration a token names, as JSON. */
export const findByTokenPath = (token: string) =>
  `/api/eperson/registrations/search/findByToken?token=${encodeURIComponent(token)}`;

/**
 * Which route serves a token lookup: the REST API when this Lanyard has it, else the page that
 * shows the same registration (GET /external-login/:token), which the report then names.
 */
export async function tokenRoute(lanyardUrl: string, { token, browser }: HeldToken): Promise<TokenRoute> {
  const res = await browser.request('GET', `${lanyardUrl}${findByTokenPath(token)}`, undefined, {
    accept: 'application/json',
  });
  return res.status === 200 ? 'api' : 'page';
}

/**
 * (d) Looking a registration up by its token (read-only: the token stays usable), from the browser
 * that holds it, as the DSpace UI does for the person on its registration page.
 */
export function findByTokenFlow(lanyardUrl: string, tokens: readonly HeldToken[], route: TokenRoute): Flow {
  return async (it) => {
    const { token, browser } = tokens[it.index % tokens.length]!;
    if (route === 'api') {
      const res = await it.step(
        'findByToken',
        browser.request('GET', `${lanyardUrl}${findByTokenPath(token)}`, undefined, { accept: 'application/json' }),
      );
      expectStatus('findByToken', res, 200);
    } else {
      expectStatus(
        'GET /external-login/:token',
        await it.step('GET /external-login/:token', browser.get(`${lanyardUrl}/external-login/${token}`)),
        200,
      );
    }
  };
}
