import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * A bearer-token check in constant time: both sides are hashed to 32 bytes (so lengths never
 * differ) and compared with timingSafeEqual against every configured token without stopping at
 * the first match, so neither a near miss nor which token matched shows in the timing.
 */
export function createTokenVerifier(tokens: readonly string[]): (presented: string | undefined) => boolean {
  const digests = tokens.map(digest);
  return (presented) => {
    // Hash something even when nothing was presented, to keep the work the same.
    const candidate = digest(presented ?? '');
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, candidate) || ok;
    return ok && presented !== undefined && presented !== '';
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Name of the browser session cookie set after a valid `?token=` on a browser page. */
export const SESSION_COOKIE = 'ph_admin_session';

/**
 * Browser sessions for pages that cannot send a bearer header (report, queue dashboard, docs).
 * The cookie holds HMAC(token) under a key made at server start, never the token itself, so it
 * cannot be replayed as an API token and dies with the process.
 */
export function createSessionCookies(tokens: readonly string[]): {
  issue: (token: string) => string;
  verify: (cookieHeader: string | undefined) => boolean;
} {
  const key = randomBytes(32);
  const sign = (token: string) => createHmac('sha256', key).update(token, 'utf8').digest('base64url');
  const verifySession = createTokenVerifier(tokens.map(sign));
  return {
    issue: (token) => sign(token),
    verify: (cookieHeader) => verifySession(readCookie(cookieHeader, SESSION_COOKIE)),
  };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
