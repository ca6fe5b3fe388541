import { randomBytes, randomUUID } from 'node:crypto';
import type { TokenState } from '../sandbox-handle.ts';

interface TokenRecord {
  kind: TokenState['kind'];
  expiresAt: number | null;
  revoked: boolean;
}

export type TokenCheck =
  | { ok: true; kind: 'private_app' | 'access' }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired'; expiredAt?: number };

/**
 * Tokens of one sandbox account: a private-app token that never expires, OAuth refresh tokens,
 * and access tokens that expire after `accessTokenTtlSeconds`.
 */
export class HubSpotTokenStore {
  readonly clientId = randomUUID();
  readonly clientSecret = randomUUID();
  readonly privateAppToken = `pat-na1-${randomUUID()}`;
  readonly #tokens = new Map<string, TokenRecord>();
  readonly accessTokenTtlSeconds: number;
  /** Scopes granted to the app (private-app token and OAuth access tokens alike). */
  scopes: readonly string[];

  constructor(accessTokenTtlSeconds: number, scopes: readonly string[]) {
    this.accessTokenTtlSeconds = accessTokenTtlSeconds;
    this.scopes = scopes;
    this.#tokens.set(this.privateAppToken, { kind: 'private_app', expiresAt: null, revoked: false });
  }

  issueRefreshToken(): string {
    const token = `na1-${randomUUID()}`;
    this.#tokens.set(token, { kind: 'refresh', expiresAt: null, revoked: false });
    return token;
  }

  issueAccessToken(now: number): string {
    const token = `C${randomBytes(48).toString('base64url')}`;
    this.#tokens.set(token, {
      kind: 'access',
      expiresAt: now + this.accessTokenTtlSeconds * 1000,
      revoked: false,
    });
    return token;
  }

  isValidRefreshToken(token: string): boolean {
    const record = this.#tokens.get(token);
    return record?.kind === 'refresh' && !record.revoked;
  }

  /** Check a bearer token for an API call. */
  check(token: string | undefined, now: number): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const record = this.#tokens.get(token);
    if (!record || record.kind === 'refresh' || record.revoked) return { ok: false, reason: 'unknown' };
    if (record.expiresAt !== null && record.expiresAt <= now)
      return { ok: false, reason: 'expired', expiredAt: record.expiresAt };
    return { ok: true, kind: record.kind === 'private_app' ? 'private_app' : 'access' };
  }

  /** Seconds left on a live OAuth access token, or null when it is not one (or has expired). */
  accessTokenSecondsLeft(token: string, now: number): number | null {
    const record = this.#tokens.get(token);
    if (record?.kind !== 'access' || record.revoked || record.expiresAt === null || record.expiresAt <= now)
      return null;
    return Math.floor((record.expiresAt - now) / 1000);
  }

  /** Expire every OAuth access token now (private-app tokens never expire). */
  expireAccessTokens(now: number): void {
    for (const record of this.#tokens.values()) {
      if (record.kind === 'access' && (record.expiresAt === null || record.expiresAt > now))
        record.expiresAt = now;
    }
  }

  /** Revoke the private-app token (as when it is rotated or the app deleted): it answers 401 from now on. */
  revokePrivateAppToken(): void {
    const record = this.#tokens.get(this.privateAppToken);
    if (record) record.revoked = true;
  }

  revokeRefreshTokens(): void {
    for (const record of this.#tokens.values()) if (record.kind === 'refresh') record.revoked = true;
  }

  states(): TokenState[] {
    return [...this.#tokens].map(([token, record]) => ({
      tokenSuffix: token.slice(-6),
      kind: record.kind,
      expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
      revoked: record.revoked,
    }));
  }
}
