import type { z } from 'zod';
import type { HubSpotAuthSchema } from '../../src/domain/index.ts';
import { AppError } from '../../src/shared/app-error.ts';

export type HubSpotAuth = z.infer<typeof HubSpotAuthSchema>;

/** What a token endpoint call returns (HubSpot: `{ access_token, refresh_token, expires_in }`). */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string | null;
  expiresInSeconds: number;
}

/**
 * Supplies the bearer token for every call. Private-app tokens never change. OAuth access
 * tokens are refreshed shortly before they expire and after a 401, one refresh at a time per
 * connector: concurrent callers share the in-flight promise instead of racing the token endpoint.
 */
export class TokenProvider {
  readonly #auth: HubSpotAuth;
  readonly #refresh: (refreshToken: string) => Promise<TokenGrant>;
  readonly #now: () => number;
  readonly #skewMs: number;
  #accessToken: string | null;
  #refreshToken: string | null;
  #expiresAt = 0;
  #inFlight: Promise<string> | null = null;
  #refreshes = 0;

  constructor(options: {
    auth: HubSpotAuth;
    refresh: (refreshToken: string) => Promise<TokenGrant>;
    now: () => number;
    /** Refresh this long before expiry; default 60 s. */
    skewMs?: number;
  }) {
    this.#auth = options.auth;
    this.#refresh = options.refresh;
    this.#now = options.now;
    this.#skewMs = options.skewMs ?? 60_000;
    this.#accessToken = options.auth.type === 'private_app' ? options.auth.accessToken : null;
    this.#refreshToken = options.auth.type === 'oauth' ? options.auth.refreshToken : null;
  }

  get canRefresh(): boolean {
    return this.#auth.type === 'oauth';
  }

  /** How many refreshes this provider made (for tests and usage). */
  get refreshes(): number {
    return this.#refreshes;
  }

  /** The token to send now, without waiting (set on each request by the SDK middleware). */
  current(): string | null {
    return this.#accessToken;
  }

  /** A valid token, refreshing first when an OAuth token is missing or about to expire. */
  async token(): Promise<string> {
    if (this.#auth.type === 'private_app') return this.#auth.accessToken;
    if (this.#accessToken !== null && this.#expiresAt - this.#skewMs > this.#now()) return this.#accessToken;
    return this.#refreshOnce();
  }

  /** A call was refused with 401 using `rejected`: refresh unless another caller already did. */
  async rejected(rejected: string | null): Promise<void> {
    if (!this.canRefresh) {
      throw new AppError('CRM_AUTH', 'HubSpot refused the private-app token (401)', { status: 401 });
    }
    if (rejected !== null && this.#accessToken !== rejected) return;
    this.#accessToken = null;
    await this.#refreshOnce();
  }

  #refreshOnce(): Promise<string> {
    if (this.#inFlight !== null) return this.#inFlight;
    const refreshToken = this.#refreshToken;
    if (refreshToken === null) throw new AppError('CRM_AUTH', 'no refresh token');
    this.#inFlight = this.#refresh(refreshToken)
      .then((grant) => {
        this.#refreshes += 1;
        this.#accessToken = grant.accessToken;
        if (grant.refreshToken !== null) this.#refreshToken = grant.refreshToken;
        this.#expiresAt = this.#now() + grant.expiresInSeconds * 1000;
        return grant.accessToken;
      })
      .finally(() => {
        this.#inFlight = null;
      });
    return this.#inFlight;
  }
}
