import type { FaultPlan } from './fault-plan.ts';

/** One API call the sandbox answered (or refused), for the inspection interface. */
export interface RecordedCall {
  at: string;
  method: string;
  /** Route pattern, e.g. "POST /crm/v3/objects/deals/batch/update" or "GET /services/data/vXX.X/query". */
  endpoint: string;
  status: number;
}

/** A record write the sandbox applied: which record, which fields, what values. */
export interface RecordedWrite {
  at: string;
  objectType: string;
  recordId: string;
  operation: 'create' | 'update';
  values: Record<string, unknown>;
}

/** A token the sandbox issued, and whether it is still accepted. */
export interface TokenState {
  /** The token's last 6 characters; the full token is never listed. */
  tokenSuffix: string;
  kind: 'access' | 'refresh' | 'private_app';
  expiresAt: string | null;
  revoked: boolean;
}

/** The in-process inspection API; the same data is served over HTTP under `/__sandbox/`. */
export interface SandboxInspection {
  calls(): RecordedCall[];
  /** Calls counted per endpoint pattern. */
  callsByEndpoint(): Record<string, number>;
  writes(): RecordedWrite[];
  /** Every 429 (HubSpot) or REQUEST_LIMIT_EXCEEDED (Salesforce) served. */
  rateLimited(): RecordedCall[];
  tokens(): TokenState[];
  /** Forget recorded calls and writes (not data, not tokens). */
  reset(): void;
}

/** A running sandbox instance of one CRM. */
export interface SandboxHandle {
  crm: 'hubspot' | 'salesforce';
  /** e.g. http://127.0.0.1:41234 — HubSpot basePath, or Salesforce instanceUrl and loginUrl. */
  baseUrl: string;
  /** A ready-to-use credential: HubSpot private-app token, or a Salesforce access token. */
  accessToken: string;
  /** A refresh token for the OAuth flows, with the client id/secret that go with it. */
  oauth: { clientId: string; clientSecret: string; refreshToken: string };
  /** Mutable fault plan; changes take effect on the next request. */
  faults: FaultPlan;
  inspect: SandboxInspection;
  /** Expire every access token now (the next call with one gets 401). */
  expireAllTokens(): void;
  /** Revoke the refresh token(s): a refresh then fails with invalid_grant. */
  revokeRefreshTokens(): void;
  close(): Promise<void>;
}
