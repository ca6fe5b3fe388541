import type { CrmKind } from './crm.ts';

/**
 * What a connector learns of the CRM account it reads: where the account's record pages live and
 * its company currency. Stored with the metadata by the sync step; the report links to records
 * and formats amounts with it. Fields the CRM did not say stay null (never guessed).
 */
export interface CrmAccount {
  crm: CrmKind;
  /** HubSpot: the portal (hub) id, from GET /account-info/v3/details `portalId`. */
  portalId: string | null;
  /** HubSpot: the app host of the account (`uiDomain`, e.g. app.hubspot.com, app-eu1.hubspot.com). */
  uiDomain: string | null;
  /** Salesforce: the org's instance URL, from the OAuth token answer (`instance_url`). */
  instanceUrl: string | null;
  /** The account's company currency (ISO 4217), e.g. HubSpot `companyCurrency`; null when unknown. */
  currency: string | null;
}

/** HubSpot's app hosts: app.hubspot.com and the regional app-<region>.hubspot.com. */
const HUBSPOT_APP_HOST = /^app(-[a-z]{2,3}[0-9]{1,2})?\.hubspot\.com$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;

/**
 * The deal's record page in the CRM, or null when the account's address is not known:
 * HubSpot `https://<uiDomain>/contacts/<portalId>/record/0-3/<dealId>` (0-3 is the deals object
 * type id), Salesforce Lightning `<instanceUrl>/lightning/r/Opportunity/<id>/view`. Only http(s)
 * addresses come out, so a stored value can never make a `javascript:` link.
 */
export function dealRecordUrl(account: CrmAccount | null | undefined, dealId: string): string | null {
  if (!account) return null;
  const id = encodeURIComponent(dealId);
  if (account.crm === 'hubspot') {
    if (account.portalId === null || !/^[0-9]+$/.test(account.portalId)) return null;
    const host =
      account.uiDomain !== null && HUBSPOT_APP_HOST.test(account.uiDomain)
        ? account.uiDomain
        : 'app.hubspot.com';
    return `https://${host}/contacts/${account.portalId}/record/0-3/${id}`;
  }
  if (account.instanceUrl === null) return null;
  let base: URL;
  try {
    base = new URL(account.instanceUrl);
  } catch {
    return null;
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') return null;
  return `${base.origin}/lightning/r/Opportunity/${id}/view`;
}

/** A currency code as the CRM gave it, when it is an ISO 4217 code; else null. */
export function currencyCode(value: unknown): string | null {
  return typeof value === 'string' && CURRENCY_CODE.test(value.toUpperCase()) ? value.toUpperCase() : null;
}
