import { randomBytes } from 'node:crypto';
import type { TokenState } from '../sandbox-handle.ts';

interface AccessToken {
  token: string;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshToken {
  token: string;
  revoked: boolean;
}

/**
 * Tokens the sandbox issued. Access tokens look like Salesforce session ids
 * (`<org id>!<opaque>`) and expire after a TTL; refresh tokens do not expire but can be revoked.
 */
export class TokenStore {
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, RefreshToken>();
  readonly #orgId: string;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(orgId: string, ttlSeconds: number, now: () => number) {
    this.#orgId = orgId;
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now;
  }

  issueAccess(): string {
    const token = `${this.#orgId.slice(0, 15)}!AQ${randomBytes(36).toString('base64url')}`;
    this.#access.set(token, { token, expiresAt: this.#now() + this.#ttlMs, revoked: false });
    return token;
  }

  issueRefresh(): string {
    const token = `5Aep861${randomBytes(32).toString('base64url')}`;
    this.#refresh.set(token, { token, revoked: false });
    return token;
  }

  isAccessValid(token: string): boolean {
    const t = this.#access.get(token);
    return t !== undefined && !t.revoked && t.expiresAt > this.#now();
  }

  isRefreshValid(token: string): boolean {
    const t = this.#refresh.get(token);
    return t !== undefined && !t.revoked;
  }

  /** OAuth revoke endpoint: revoking a refresh token also ends its sessions (here: all sessions). */
  revoke(token: string): boolean {
    const a = this.#access.get(token);
    if (a !== undefined) {
      a.revoked = true;
      return true;
    }
    const r = this.#refresh.get(token);
    if (r === undefined) return false;
    r.revoked = true;
    for (const t of this.#access.values()) t.revoked = true;
    return true;
  }

  expireAll(): void {
    const past = this.#now() - 1;
    for (const t of this.#access.values()) t.expiresAt = Math.min(t.expiresAt, past);
  }

  revokeRefreshTokens(): void {
    for (const t of this.#refresh.values()) t.revoked = true;
  }

  states(): TokenState[] {
    const now = this.#now();
    return [
      ...[...this.#access.values()].map((t) => ({
        tokenSuffix: t.token.slice(-6),
        kind: 'access' as const,
        expiresAt: new Date(t.expiresAt).toISOString(),
        revoked: t.revoked || t.expiresAt <= now,
      })),
      ...[...this.#refresh.values()].map((t) => ({
        tokenSuffix: t.token.slice(-6),
        kind: 'refresh' as const,
        expiresAt: null,
        revoked: t.revoked,
      })),
    ];
  }
}
