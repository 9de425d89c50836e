import { hashToken, hmac, safeEqual } from '../../crypto/token.js';
import type { SecretKey } from '../../config/schema.js';
import type { FlowIntent } from './requests.js';

/**
 * The flow (sign in or link, where to return) carried through the discovery page in its links
 * and search form, signed with the server key: a link that started from /profile stays a link
 * after the person picked their institution, and nobody can turn a sign-in into one. A link flow
 * names its session only by hash, and counts only in the browser that still holds that session.
 */
interface Carried {
  i: FlowIntent['intent'];
  r: string;
  /** SHA-256 of the linking session's id. */
  s: string | null;
  /** Expiry, epoch seconds. */
  e: number;
}

const TTL_SECONDS = 3600;

export function encodeFlowParam(flow: FlowIntent, keys: SecretKey[], now: Date): string {
  const carried: Carried = {
    i: flow.intent,
    r: flow.returnTo,
    s: flow.sessionId ? hashToken(flow.sessionId) : null,
    e: Math.floor(now.getTime() / 1000) + TTL_SECONDS,
  };
  const body = Buffer.from(JSON.stringify(carried)).toString('base64url');
  return `${body}.${hmac(keys[0]!.key, `saml-flow:${body}`)}`;
}

/** The flow, or null when the parameter is missing, forged, expired, or names another session. */
export function decodeFlowParam(
  value: unknown,
  keys: SecretKey[],
  now: Date,
  currentSessionId: string | null,
): FlowIntent | null {
  if (typeof value !== 'string' || value.length > 4000) return null;
  const [body, mac] = value.split('.');
  if (!body || !mac || !keys.some((k) => safeEqual(mac, hmac(k.key, `saml-flow:${body}`)))) return null;
  let carried: Carried;
  try {
    carried = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Carried;
  } catch {
    return null;
  }
  if (carried.e * 1000 <= now.getTime()) return null;
  if (carried.i === 'link') {
    if (!currentSessionId || !carried.s || !safeEqual(carried.s, hashToken(currentSessionId))) return null;
    return { intent: 'link', returnTo: carried.r, sessionId: currentSessionId };
  }
  return { intent: 'sign_in', returnTo: carried.r, sessionId: null };
}
