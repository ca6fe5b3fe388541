import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccessToken } from '../config/admin-tokens.ts';

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

/**
 * The configured token `presented` is, found in constant time like {@link createTokenVerifier}:
 * every configured token is compared, whichever matches.
 */
export function createTokenMatcher(
  tokens: readonly AccessToken[],
): (presented: string | undefined) => AccessToken | undefined {
  const digests = tokens.map((t) => digest(t.token));
  return (presented) => {
    const candidate = digest(presented ?? '');
    let found: AccessToken | undefined;
    digests.forEach((d, i) => {
      if (timingSafeEqual(d, candidate)) found = tokens[i];
    });
    return presented === undefined || presented === '' ? undefined : found;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
