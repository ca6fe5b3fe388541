import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readCookie } from './bearer-auth.ts';

/** Name of the browser session cookie opened by `?token=` on a browser page. */
export const SESSION_COOKIE = 'ph_admin_session';
const SESSION_MAX_AGE_S = 8 * 3600;

/**
 * Browser sessions for pages that cannot send a bearer header. The cookie is
 * `<tokenName>.<issuedAt>.<HMAC>` under a key made at server start: it carries its issue time
 * (refused after 8 hours whatever the browser does with Max-Age), names the token it came from
 * (so its scope and audit name follow it, and it dies when that token is removed), never holds
 * the token itself, and can be revoked by logging out.
 */
export class BrowserSessions {
  readonly #key = randomBytes(32);
  /** Logged-out cookies, until they would have expired anyway. */
  readonly #revoked = new Map<string, number>();

  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  issue(tokenName: string): string {
    const body = `${tokenName}.${Math.floor(this.#now() / 1000)}`;
    return `${body}.${this.#sign(body)}`;
  }

  /** The token name of a valid, unexpired, not logged-out session cookie, else undefined. */
  verify(cookieHeader: string | undefined): string | undefined {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    if (value === undefined || this.#revoked.has(value)) return undefined;
    const [name, issued, mac] = value.split('.');
    if (name === undefined || issued === undefined || mac === undefined) return undefined;
    const expected = Buffer.from(this.#sign(`${name}.${issued}`));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const age = this.#now() / 1000 - Number(issued);
    return age >= 0 && age < SESSION_MAX_AGE_S ? name : undefined;
  }

  /** Log out: the cookie is refused from now on. */
  revoke(cookieHeader: string | undefined): void {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    if (value === undefined) return;
    const nowS = this.#now() / 1000;
    for (const [v, expires] of this.#revoked) if (expires < nowS) this.#revoked.delete(v);
    this.#revoked.set(value, nowS + SESSION_MAX_AGE_S);
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body, 'utf8').digest('base64url');
  }
}

/** `Set-Cookie` value for a session cookie (Secure when the request came over TLS). */
export function sessionCookie(value: string, secure: boolean, maxAgeS = SESSION_MAX_AGE_S): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}
