import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route is declared only to refuse its method with 405 (DSpace's
     * RepositoryMethodNotImplementedException): documented, but left out of `Allow`.
     */
    refusesMethod?: boolean;
  }
  interface FastifyInstance {
    /** The methods the path of `request` is served with, in `Allow` order (src/http/allowed-methods.ts). */
    allowedMethods(request: FastifyRequest): string[];
  }
}

/** `Allow`'s order: the common methods first, then any other the server was taught, OPTIONS last. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A route pattern (`/api/eperson/registrations/:id`) as a regular expression over a path. */
const patternOf = (url: string) =>
  new RegExp(
    `^${url
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`,
  );

/**
 * Which methods a path has, asked of Fastify's own router (`findRoute` with the concrete URL), so
 * every route — of the API, the ORCID API, the pages — is covered without declaring anything, and
 * `Allow` never names a method the router would not dispatch. HEAD is there wherever GET is
 * (Fastify serves HEAD for every GET route); OPTIONS on every path that has a method, because the
 * not-found handler answers it (src/http/app.ts). Installed on the root before any route, so its
 * `onRoute` hook sees the routes of every context.
 */
export function installAllowedMethods(app: FastifyInstance): void {
  const refusing: { method: string; path: RegExp }[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.config?.refusesMethod) return;
    for (const method of [route.method].flat())
      for (const m of method === 'GET' ? ['GET', 'HEAD'] : [method])
        refusing.push({ method: m, path: patternOf(route.url) });
  });
  app.decorate('allowedMethods', function (this: FastifyInstance, request: FastifyRequest): string[] {
    const url = request.url;
    const path = url.split('?')[0]!;
    const methods = this.supportedMethods
      .filter((m) => m !== 'OPTIONS')
      .filter((m) => this.findRoute({ method: m, url }) !== null)
      .filter((m) => !refusing.some((r) => r.method === m && r.path.test(path)));
    const rank = (m: string) => (ORDER.includes(m) ? ORDER.indexOf(m) : ORDER.length);
    methods.sort((a, b) => rank(a) - rank(b));
    return methods.length ? [...methods, 'OPTIONS'] : [];
  });
}
