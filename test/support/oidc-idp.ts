import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
// oidc-provider ships no types; the few calls made here are typed by hand below.
import Provider from 'oidc-provider';

/** A person at the university IdP: `sub` and the claims it releases. */
export interface IdpUser {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  given_name?: string;
  family_name?: string;
  name?: string;
  orcid?: string;
}

export interface IdpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

interface KoaContext {
  req: import('node:http').IncomingMessage;
  path: string;
  body: unknown;
  status: number;
}

interface OidcProvider {
  issuer: string;
  use(mw: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  callback(): (req: unknown, res: unknown) => void;
  interactionDetails(
    req: unknown,
    res: unknown,
  ): Promise<{
    prompt: { name: string };
    params: Record<string, string>;
    session?: { accountId: string };
  }>;
  interactionFinished(req: unknown, res: unknown, result: object, opts?: object): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  };
}

/**
 * A real OpenID provider (panva's oidc-provider, the certified implementation) on its own loopback
 * port, standing in for a university's IdP. Sign-in is headless: the authorize request names the
 * user in `login_as`, and login and consent complete at once. `tamperToken` lets a test make the
 * IdP misbehave at its token endpoint (another audience, an expired or unsigned ID token) with
 * keys only the IdP holds; `tokenDelayMs` makes its token endpoint slow.
 */
export class OidcIdp {
  readonly users = new Map<string, IdpUser>();
  /** Rewrites the token endpoint's JSON answer (the IdP misbehaving); null = honest. */
  tamperToken: ((body: Record<string, unknown>) => Promise<Record<string, unknown>>) | null = null;
  /** Rewrites the userinfo endpoint's JSON answer (an IdP describing someone else); null = honest. */
  tamperUserinfo: ((body: Record<string, unknown>) => Record<string, unknown>) | null = null;
  /** While set, the token endpoint waits this long before answering (a slow IdP). */
  tokenDelayMs = 0;
  /** Token requests whose wait (`tokenDelayMs`) is over: answered, or about to be. */
  tokenDelaysOver = 0;
  /** Who signs in when the authorize request names nobody (`login_as`): a real browser's walk. */
  nextLogin: string | null = null;
  /** While set, every sign-in is refused by the person (a real browser's walk to the error page). */
  denyNext = false;
  /** Counts token requests (did Lanyard even try?). */
  tokenRequests = 0;
  /** While set, the token endpoint drops the connection without answering (an IdP that is down). */
  tokenRefuses = false;

  private constructor(
    readonly issuer: string,
    readonly signingKey: JWK,
    private readonly server: Server,
    private readonly sockets: Set<import('node:net').Socket>,
  ) {}

  /**
   * `tls` serves https with that key and certificate; `host` is the name in the issuer (default
   * 127.0.0.1; the IdP listens on loopback whatever its name).
   */
  static async start(
    clients: IdpClient[],
    opts: { port?: number; tls?: { key: string; cert: string }; host?: string } = {},
  ): Promise<OidcIdp> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
    const server = opts.tls ? createHttpsServer(opts.tls) : createServer();
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
    const issuer = `${opts.tls ? 'https' : 'http'}://${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
    let idp: OidcIdp;
    const provider = new (Provider as unknown as new (issuer: string, config: object) => OidcProvider)(issuer, {
      clients: clients.map((c) => ({
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        ...c,
      })),
      jwks: { keys: [jwk] },
      pkce: { required: () => true },
      extraParams: ['login_as', 'deny'],
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'orcid'],
      },
      findAccount: (_ctx: unknown, sub: string) => {
        const user = idp.users.get(sub);
        if (!user) return undefined;
        return { accountId: sub, claims: () => ({ ...user, sub }) };
      },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      features: { devInteractions: { enabled: false } },
      cookies: { keys: ['test-idp-cookie-key'] },
    });
    provider.use(async (ctx, next) => {
      if (ctx.path === '/token') {
        idp.tokenRequests++;
        if (idp.tokenRefuses) {
          ctx.req.socket.destroy();
          return;
        }
        if (idp.tokenDelayMs) {
          await new Promise((r) => setTimeout(r, idp.tokenDelayMs));
          idp.tokenDelaysOver++;
        }
      }
      await next();
      if (ctx.path === '/token' && ctx.status === 200 && idp.tamperToken)
        ctx.body = await idp.tamperToken(ctx.body as Record<string, unknown>);
      if (ctx.path === '/me' && ctx.status === 200 && idp.tamperUserinfo)
        ctx.body = idp.tamperUserinfo(ctx.body as Record<string, unknown>);
    });
    const handle = provider.callback();
    server.on('request', (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return handle(req, res);
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (details.params.deny || idp.denyNext) {
          // The person refuses: oidc-provider sends the client its error redirect (access_denied).
          await provider.interactionFinished(
            req,
            res,
            { error: 'access_denied', error_description: 'The user refused.' },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        if (details.prompt.name === 'login') {
          const accountId = details.params.login_as ?? idp.nextLogin ?? undefined;
          if (!accountId || !idp.users.has(accountId)) {
            res.statusCode = 400;
            res.end('unknown login_as');
            return;
          }
          await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
        } else {
          const grant = new provider.Grant({
            accountId: details.session!.accountId,
            clientId: details.params.client_id!,
          });
          grant.addOIDCScope(details.params.scope ?? 'openid');
          await provider.interactionFinished(
            req,
            res,
            { consent: { grantId: await grant.save() } },
            {
              mergeWithLastSubmission: true,
            },
          );
        }
      })().catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
    idp = new OidcIdp(issuer, jwk, server, sockets);
    return idp;
  }

  addUser(user: IdpUser): string {
    this.users.set(user.sub, user);
    return user.sub;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}
