import { currencyCode, isKnownTimeZone } from '../../src/domain/index.ts';

/** What the account information API answered, or why it did not. */
export type AccountDetails =
  | {
      ok: true;
      portalId: number | null;
      timeZone: string;
      /** `companyCurrency` (ISO 4217) when given. */
      currency: string | null;
      /** `uiDomain`, the account's app host (app.hubspot.com, app-eu1.hubspot.com), when given. */
      uiDomain: string | null;
    }
  | { ok: false; status: number | null; reason: string };

/**
 * The account's time zone setting, read once from `GET /account-info/v3/details` (`timeZone`).
 * HubSpot resets the daily limit at midnight in that zone, so a DAILY 429 waits for it. The read is
 * made when it is first needed (fetchMetadata, or the first DAILY 429) and kept; a failed read is
 * tried again next time, at most once per need.
 */
export class HubSpotAccountZone {
  readonly #get: () => Promise<AccountDetails>;
  #timeZone: string | null = null;
  /** The whole answer once it was usable: the report also wants the portal id and currency. */
  #details: AccountDetails | null = null;
  #inFlight: Promise<AccountDetails> | null = null;

  constructor(get: () => Promise<AccountDetails>) {
    this.#get = get;
  }

  /** The zone when known (never guessed). */
  known(): string | null {
    return this.#timeZone;
  }

  /** Read the account details unless the zone is already known. */
  async load(): Promise<AccountDetails> {
    if (this.#details !== null) return this.#details;
    this.#inFlight ??= this.#get().finally(() => {
      this.#inFlight = null;
    });
    const details = await this.#inFlight;
    if (details.ok && isKnownTimeZone(details.timeZone)) {
      this.#timeZone = details.timeZone;
      this.#details = details;
    }
    return details;
  }
}

/** Parse the body of `/account-info/v3/details`; every field optional as HubSpot documents errors. */
export function accountDetailsFrom(status: number, body: unknown): AccountDetails {
  const b = (body ?? {}) as {
    timeZone?: unknown;
    portalId?: unknown;
    companyCurrency?: unknown;
    uiDomain?: unknown;
    message?: unknown;
  };
  if (status >= 200 && status < 300 && typeof b.timeZone === 'string' && isKnownTimeZone(b.timeZone)) {
    return {
      ok: true,
      portalId: typeof b.portalId === 'number' ? b.portalId : null,
      timeZone: b.timeZone,
      currency: currencyCode(b.companyCurrency),
      uiDomain: typeof b.uiDomain === 'string' ? b.uiDomain.toLowerCase() : null,
    };
  }
  const message = typeof b.message === 'string' ? b.message : 'no usable timeZone in the answer';
  return { ok: false, status, reason: `HTTP ${status}: ${message}` };
}
