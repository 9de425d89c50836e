import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import { hmac, safeEqual } from '../crypto/token.js';
import { hasMessage, type MessageKey, type MessageParams } from '../i18n/index.js';
import { clearCookie, cookieNames, setCookie } from './cookies.js';
import { type MailResult, minutesUntil } from '../mail/limit.js';

export type NoticeKind = 'info' | 'success' | 'warning' | 'error';

/** What the next page says about the action that led to it ("Your account was created"). */
export interface Flash {
  kind: NoticeKind;
  key: MessageKey;
  params?: MessageParams;
}

const FLASH_TTL_SECONDS = 120;
const kinds: readonly NoticeKind[] = ['info', 'success', 'warning', 'error'];

/**
 * Post/redirect/get with feedback: an action calls `setFlash` before redirecting, and the page the
 * browser lands on shows the message once (sendPage reads and clears it). The message travels in
 * a short-lived cookie signed with the server key — a catalogue key and its parameters, never
 * markup — so no other site can make Lanyard say something, and any process can render it.
 */
export function setFlash(reply: FastifyReply, config: Config, flash: Flash): void {
  const body = Buffer.from(JSON.stringify(flash)).toString('base64url');
  setCookie(
    reply,
    config,
    cookieNames(config).flash,
    `${body}.${hmac(config.secretKeys[0]!.key, `flash:${body}`)}`,
    FLASH_TTL_SECONDS,
  );
}

/** The flash this browser carries (verified), cleared so it shows only once; null when none. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply, config: Config): Flash | null {
  const flash = peekFlash(request, config);
  if (request.cookies[cookieNames(config).flash]) clearCookie(reply, config, cookieNames(config).flash);
  return flash;
}

/** The verified flash without clearing it (a page that words itself around it). */
export function peekFlash(request: FastifyRequest, config: Config): Flash | null {
  const cookie = request.cookies[cookieNames(config).flash];
  if (!cookie) return null;
  const [body, mac] = cookie.split('.');
  if (!body || !mac || !config.secretKeys.some((k) => safeEqual(mac, hmac(k.key, `flash:${body}`)))) return null;
  try {
    const flash = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Flash;
    return kinds.includes(flash.kind) && hasMessage(flash.key) ? flash : null;
  } catch {
    return null;
  }
}

/**
 * After a request that mails a link: when the per-address limit held the mail back, the next page
 * says so and when to ask again. Every such request is counted whether or not an account uses the
 * address (see queueMail), so this reveals nothing about accounts.
 */
export function flashMailResult(reply: FastifyReply, config: Config, result: MailResult, now: Date): void {
  if (result.queued) return;
  setFlash(reply, config, {
    kind: 'warning',
    key: 'flash.mailHeldBack',
    params: { minutes: minutesUntil(result.retryAt, now), max: config.rateLimit.mailPerHourPerAddress },
  });
}
