// Record pages: HubSpot `https://<uiDomain>/contacts/<portalId>/record/0-3/<dealId>` (uiDomain and
// portalId from GET /account-info/v3/details, 0-3 the deals object type id); Salesforce Lightning
// Record Page `/lightning/r/{objectApiName}/{recordId}/view`
// (https://developer.salesforce.com/docs/atlas.en-us.lightning.meta/lightning/components_navigation_page_definitions.htm).
import { describe, expect, it } from 'vitest';
import { type CrmAccount, currencyCode, dealRecordUrl } from '../../../src/domain/index.ts';

const hubspot: CrmAccount = {
  crm: 'hubspot',
  portalId: '4242',
  uiDomain: 'app.hubspot.com',
  instanceUrl: null,
  currency: 'EUR',
};
const salesforce: CrmAccount = {
  crm: 'salesforce',
  portalId: null,
  uiDomain: null,
  instanceUrl: 'https://acme.my.salesforce.com',
  currency: null,
};

describe('dealRecordUrl', () => {
  it('links a HubSpot deal on its portal and app host (regional hosts kept)', () => {
    expect(dealRecordUrl(hubspot, '987')).toBe('https://app.hubspot.com/contacts/4242/record/0-3/987');
    expect(dealRecordUrl({ ...hubspot, uiDomain: 'app-eu1.hubspot.com' }, '987')).toBe(
      'https://app-eu1.hubspot.com/contacts/4242/record/0-3/987',
    );
  });

  it('links a Salesforce opportunity on the org instance', () => {
    expect(dealRecordUrl(salesforce, '006000000000001AAA')).toBe(
      'https://acme.my.salesforce.com/lightning/r/Opportunity/006000000000001AAA/view',
    );
  });

  it('gives no link rather than a wrong or dangerous one', () => {
    expect(dealRecordUrl(undefined, '1')).toBeNull();
    expect(dealRecordUrl({ ...hubspot, portalId: null }, '1')).toBeNull();
    expect(dealRecordUrl({ ...hubspot, portalId: '12 or 1=1' }, '1')).toBeNull();
    // A host that is not HubSpot's app never becomes the link's host.
    expect(dealRecordUrl({ ...hubspot, uiDomain: 'evil.example' }, '1')).toBe(
      'https://app.hubspot.com/contacts/4242/record/0-3/1',
    );
    expect(dealRecordUrl({ ...salesforce, instanceUrl: 'javascript:alert(1)' }, '1')).toBeNull();
    expect(dealRecordUrl({ ...salesforce, instanceUrl: null }, '1')).toBeNull();
    expect(dealRecordUrl(hubspot, '../x?y')).toBe(
      'https://app.hubspot.com/contacts/4242/record/0-3/..%2Fx%3Fy',
    );
  });
});

describe('currencyCode', () => {
  it('keeps ISO 4217 codes only', () => {
    expect(currencyCode('usd')).toBe('USD');
    expect(currencyCode('EUR')).toBe('EUR');
    expect(currencyCode('')).toBeNull();
    expect(currencyCode('Euro')).toBeNull();
    expect(currencyCode(840)).toBeNull();
  });
});
