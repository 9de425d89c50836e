import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import type { Config, SecretKey } from '../../config/schema.js';
import type { Session } from '../../db/schema.js';
import type { Lanyard } from '../../lanyard.js';
import { touchSession, validateSessionById } from '../../stores/sessions.js';

/**
 * DSpace's token authentication, over Lanyard's sessions. DSpace's UI keeps a Bearer token it reads
 * from the `Authorization` header of `POST /api/authn/login` and decodes as a JWT for its `exp`
 * (dspace-angular AuthTokenInfo: no `exp`, no requests). So the token is a JWT (HS256 under a key
 * derived from the server key, `kid` for rotation) that names a session — and is worth nothing
 * without it: every request re-reads the session, so signing out, a new sign-in (rotation), expiry
 * and every server-side revocation end the token at once. It authenticates `/api/…` only, never
 * Lanyard's own pages, and is never stored or logged.
 */

const ALG = 'HS256';
const AUDIENCE = 'lanyard-api';

const keyOf = (secret: SecretKey) => createHmac('sha256', secret.key).update('lanyard api bearer').digest();

/** A Bearer token for `session`, valid for `bearerTtlSeconds` or until the session ends, whichever is first. */
export async function mintBearer(config: Config, session: Session, now: Date): Promise<string> {
  const nowS = Math.floor(now.getTime() / 1000);
  const exp = Math.min(nowS + config.bearerTtlSeconds, Math.floor(session.expires_at.getTime() / 1000));
  const key = config.secretKeys[0]!;
  return new SignJWT({ sid: session.id })
    .setProtectedHeader({ alg: ALG, kid: key.id })
    .setSubject(session.account_id)
    .setAudience(AUDIENCE)
    .setIssuedAt(nowS)
    .setExpirationTime(exp)
    .sign(keyOf(key));
}

/** The scheme of a request's `Authorization`, lower-cased (`bearer`, `dpop`, `basic`…), if it sends one. */
export function schemeOf(request: FastifyRequest): string | undefined {
  return request.headers.authorization?.trim().split(/\s/, 1)[0]?.toLowerCase() || undefined;
}

/** The token of `Authorization: <scheme> <token>` (at most 2048 characters, no spaces), if the request has one. */
export function credentialOf(request: FastifyRequest, scheme: 'Bearer' | 'DPoP'): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = new RegExp(`^${scheme}\\s+(\\S{1,2048})\\s*$`, 'i').exec(header);
  return match ? match[1]! : null;
}

/** The `Authorization: Bearer …` value of a request, if it has one. */
export const bearerOf = (request: FastifyRequest) => credentialOf(request, 'Bearer');

/**
 * The session and account a Bearer token stands for, or null: a bad signature, another key's
 * audience, an expired token, or a session that is revoked, expired or whose account may not sign in.
 */
export async function sessionOfBearer(
  lanyard: Lanyard,
  token: string,
): Promise<Awaited<ReturnType<typeof validateSessionById>>> {
  const { config } = lanyard;
  const now = lanyard.clock.now();
  let claims: { sid?: unknown; sub?: unknown } | null = null;
  for (const secret of config.secretKeys) {
    try {
      ({ payload: claims } = await jwtVerify(token, keyOf(secret), {
        algorithms: [ALG],
        audience: AUDIENCE,
        currentDate: now,
        requiredClaims: ['exp', 'sub', 'sid'],
      }));
      break;
    } catch {
      /* not this key, expired or malformed: try the next key; none verified → anonymous */
    }
  }
  if (!claims || typeof claims.sid !== 'string' || claims.sid.length > 64) return null;
  const found = await validateSessionById(lanyard.db, claims.sid, now);
  if (!found || found.account.id !== claims.sub) return null;
  await touchSession(lanyard.db, found.session, now);
  return found;
}
