import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/** Cookie holding a report view token after its link was opened (path /report). */
export const REPORT_VIEW_COOKIE = 'ph_report_view';
export const DEFAULT_VIEW_MINUTES = 60;
export const MAX_VIEW_MINUTES = 7 * 24 * 60;

/**
 * Short-lived, signed, per-tenant report links: an HS256 JWT (`aud: report`, `sub: <tenantId>`,
 * `exp`) under a key made at server start, so a link opens that tenant's report page and its data
 * only, expires on its own, and dies with the process. No admin token is ever put in a URL.
 */
export class ReportViewTokens {
  readonly #key = new Uint8Array(randomBytes(32));

  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async issue(tenantId: string, minutes: number): Promise<{ token: string; expiresAt: string }> {
    const exp = Math.floor(this.#now() / 1000) + minutes * 60;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('report')
      .setSubject(tenantId)
      .setIssuedAt(Math.floor(this.#now() / 1000))
      .setExpirationTime(exp)
      .sign(this.#key);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** The tenant id and expiry (epoch seconds) of a valid token, else null. */
  async verify(token: string | undefined): Promise<{ tenantId: string; exp: number } | null> {
    if (token === undefined || token === '') return null;
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        audience: 'report',
        algorithms: ['HS256'],
        currentDate: new Date(this.#now()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null;
      return { tenantId: payload.sub, exp: payload.exp };
    } catch {
      return null;
    }
  }
}
