// The emulator's "signed in at ORCID" session: a stateless cookie `<iD>.<authTime>.<hmac>`, so
// thousands of benchmark sign-ins keep no server memory. Resetting the state changes the secret,
// which signs everybody out. It exists so `prompt=none`, `prompt=login` and `max_age` can be tested.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'orcid_emulator_session';

export interface EmulatorSession {
  orcid: string;
  /** Epoch ms of the sign-in. */
  authTime: number;
}

export class SessionCodec {
  #secret = randomBytes(32);

  rotate(): void {
    this.#secret = randomBytes(32);
  }

  encode(session: EmulatorSession): string {
    const payload = `${session.orcid}.${session.authTime}`;
    return `${payload}.${this.#mac(payload)}`;
  }

  /** The session in a `Cookie` header, or null when absent or not signed by this state. */
  decode(cookieHeader: string | undefined): EmulatorSession | null {
    const raw = cookieHeader
      ?.split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${SESSION_COOKIE}=`))
      ?.slice(SESSION_COOKIE.length + 1);
    const [orcid, authTime, mac] = raw?.split('.') ?? [];
    if (!orcid || !authTime || !mac) return null;
    const expected = Buffer.from(this.#mac(`${orcid}.${authTime}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return { orcid, authTime: Number(authTime) };
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }
}
