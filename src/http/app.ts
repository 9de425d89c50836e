import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { isLocale, negotiateLocale, translator } from '../i18n/index.js';
import type { Logger } from 'pino';
import { accessLoggerOf, type Lanyard } from '../lanyard.js';
import { LanyardError } from '../errors.js';
import { readSession } from './auth.js';
import { refuseUnstorableInBody, refuseUnstorableInUrl } from './text-guard.js';
import { cookieNames, setCookie } from './cookies.js';
import { installAllowedMethods } from './allowed-methods.js';
import { sendError } from './errors.js';
import { routeGuards } from './guards.js';
import { frameworkErrors, guardResponses } from './response-guard.js';
import { assetRoutes } from './pages/assets.js';
import { devMailRoutes } from './pages/dev-mail.js';
import { forgotRoutes } from './pages/forgot.js';
import { healthRoutes } from './pages/health.js';
import { loginRoutes } from './pages/login.js';
import { profileRoutes } from './pages/profile.js';
import { profileEmailRoutes } from './pages/profile-email.js';
import { accountActivityRoutes } from './pages/account-activity.js';
import { orcidConsoleRoutes } from './pages/orcid-console.js';
import { adminAuditRoutes } from './pages/admin-audit.js';
import { adminRoutes } from './pages/admin.js';
import { adminDuplicatesRoutes } from './pages/admin-duplicates.js';
import { adminClientsRoutes } from './pages/admin-clients.js';
import { registerRoutes } from './pages/register.js';
import './request-context.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
export type Route = (app: App, lanyard: Lanyard) => void | Promise<void>;

export interface HttpOptions {
  /** Extra route modules (the providers' flows, the REST API, the built-in emulator). */
  routes?: Route[];
}

/**
 * Fastify's request logging in one line per request: no "incoming request", the request named when
 * it completes. The line of a request that completed goes through the access logger (no redaction
 * pass: see `accessLoggerOf`) with the request's id, as the request's own logger would write it.
 */
class CompletedOnly extends LogController {
  constructor(private readonly access: Logger | undefined) {
    super();
  }
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error)
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (!this.access)
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else if ((reply.log as Logger).isLevelEnabled('info'))
      this.access.info(
        { reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime },
        'request completed',
      );
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route reads Lanyard's session of the browser with its own first statement and sets
     * `request.auth` from it (src/openid-provider/routes.ts): the `onRequest` hook leaves it unread.
     */
    readsSession?: boolean;
  }
}

export async function buildHttpApp(lanyard: Lanyard, opts: HttpOptions = {}): Promise<App> {
  const { config } = lanyard;
  const app = Fastify({
    loggerInstance: lanyard.log,
    // One log line per request, written when it completes, instead of Fastify's two ("incoming
    // request" and "request completed"): half the log writes on every request. Errors are logged as before.
    logController: new CompletedOnly(accessLoggerOf(lanyard.log)),
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    // Fastify's default (10 s) fails a start-up on a machine that is merely busy; a plugin that
    // truly hangs still fails it, two minutes later.
    pluginTimeout: 120_000,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    frameworkErrors: frameworkErrors(lanyard),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setReplySerializer((payload) => JSON.stringify(payload));
  guardResponses(app);
  installAllowedMethods(app);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // In memory by default; with LANYARD_REDIS_URL every process counts against the same limits.
  // If Redis fails, sign-in keeps working without the shared limit (fail open) and the error is logged.
  // ioredis loads only when Redis is configured.
  const redis = config.redisUrl
    ? (await import('../lib/redis.js')).connectRedis(config.redisUrl, {
        commandTimeoutMs: config.redisTimeoutMs,
        log: lanyard.log,
        fallback: 'rate limits fall back to no shared limit',
      })
    : undefined;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: `${config.redisPrefix}rate:`, skipOnError: true } : {}),
    errorResponseBuilder: (_req, ctx) => Object.assign(new Error('rate limited'), { statusCode: 429, ttl: ctx.ttl }),
  });

  app.decorateRequest('locale', 'en');
  app.decorateRequest('t', null as never);
  app.decorateRequest('auth', null);

  // Forms post to this service only; the providers' origins are allowed because "Connect …" is a
  // form whose answer redirects there, and browsers apply form-action to that redirect.
  const formOrigins = [...new Set(lanyard.providers.list.flatMap((p) => p.formOrigins))].map((o) => ` ${o}`).join('');
  const csp = `default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'${formOrigins}; frame-ancestors 'none'`;
  app.addHook('onRequest', async (request, reply) => {
    const names = cookieNames(config);
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (isLocale(asked)) setCookie(reply, config, names.lang, asked, 365 * 86400);
    const chosen = isLocale(asked) ? asked : request.cookies[names.lang];
    request.locale = isLocale(chosen) ? chosen : negotiateLocale(request.headers['accept-language']);
    request.t = translator(request.locale);
    refuseUnstorableInUrl(request);
    // A route that reads the session with its own rows (the OpenID provider's) sets it itself.
    if (request.routeOptions.config.readsSession) request.auth = null;
    else await readSession(lanyard, request);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    // Tokens travel in page URLs (DSpace's routes); never leak them to another site through Referer.
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', csp);
    // Served over https (the public URL says so, whatever a proxy forwards): browsers keep to it.
    if (config.secureCookies) reply.header('strict-transport-security', 'max-age=63072000');
  });

  // A route's guards come before its schema: a form without `_csrf` is CSRF_FAILED and a visitor
  // without the right is refused as such, whatever the body (src/http/guards.ts).
  app.addHook('preValidation', routeGuards(lanyard));
  app.addHook('preValidation', async (request) => refuseUnstorableInBody(request));

  app.setErrorHandler((error, request, reply) => sendError(lanyard, request, reply, error));
  // A path some route serves, asked with another method, is 405 with `Allow` (RFC 9110 §15.5.6), as
  // DSpace's Spring answers; OPTIONS there lists the methods (§9.3.7). Only a path no route serves is 404.
  // A route that does serve this very method got here by hiding itself (callNotFound: the dev mailbox
  // and the demo emulator's admin API to a neighbour), so it is 404 too, as if it were not there.
  app.setNotFoundHandler((request, reply) => {
    // The API's routes set no-store before their handlers; a path none serves has no route to.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    const allowed = app.allowedMethods(request);
    if (allowed.length && request.method === 'OPTIONS')
      return reply.header('allow', allowed.join(', ')).code(204).send();
    const error =
      allowed.length && !allowed.includes(request.method)
        ? new LanyardError('METHOD_NOT_ALLOWED', `${request.method.slice(0, 20)} is not served on this path.`)
        : Object.assign(new Error('Not found'), { statusCode: 404 });
    return sendError(lanyard, request, reply, error);
  });

  for (const routes of [
    healthRoutes,
    assetRoutes,
    loginRoutes,
    registerRoutes,
    forgotRoutes,
    profileRoutes,
    profileEmailRoutes,
    accountActivityRoutes,
    orcidConsoleRoutes,
    adminAuditRoutes,
    adminRoutes,
    adminDuplicatesRoutes,
    adminClientsRoutes,
    devMailRoutes,
    ...(opts.routes ?? []),
  ]) {
    await routes(app, lanyard);
  }
  return app;
}
