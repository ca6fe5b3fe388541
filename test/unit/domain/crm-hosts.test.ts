import { describe, expect, it } from 'vitest';
import { closestName, crmUrlProblem, isLoopbackHost } from '../../../src/domain/index.ts';

describe('CRM hosts credentials may be sent to', () => {
  // HubSpot: every API reference endpoint is on https://api.hubapi.com (e.g.
  // https://developers.hubspot.com/docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token);
  // api-na1 / api-eu1.hubapi.com are HubSpot's regional split (https://product.hubspot.com/blog/routing-api-traffic).
  it.each(['https://api.hubapi.com', 'https://api-eu1.hubapi.com', 'https://api-na1.hubapi.com/'])(
    'accepts the HubSpot host %s',
    (url) => expect(crmUrlProblem('hubspot', url, false)).toBeNull(),
  );

  // Salesforce: "All OAuth endpoints require secure HTTP (HTTPS)"; login.salesforce.com, a My Domain
  // URL such as https://MyCompany.my.salesforce.com, and for sandboxes test.salesforce.com or
  // MyDomainName--SandboxName.sandbox.my.salesforce.com
  // (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_endpoints.htm).
  it.each([
    'https://login.salesforce.com',
    'https://test.salesforce.com',
    'https://mycompany.my.salesforce.com',
    'https://MyDomainName--SandboxName.sandbox.my.salesforce.com',
  ])('accepts the Salesforce host %s', (url) => expect(crmUrlProblem('salesforce', url, false)).toBeNull());

  it.each([
    ['hubspot', 'http://api.hubapi.com'],
    ['hubspot', 'https://login.salesforce.com'],
    ['hubspot', 'https://xapi.hubapi.com'],
    ['hubspot', 'https://api.hubapi.com.evil.example'],
    ['salesforce', 'http://login.salesforce.com'],
    ['salesforce', 'https://api.hubapi.com'],
    ['salesforce', 'https://evil.example/login.salesforce.com'],
    ['salesforce', 'https://my.salesforce.com.evil.example'],
    ['salesforce', 'file:///etc/passwd'],
    ['hubspot', 'https://user:pw@api.hubapi.com'],
    ['hubspot', 'https://api.hubapi.com/?x=1'],
  ] as const)('refuses %s %s', (crm, url) => expect(crmUrlProblem(crm, url, false)).not.toBeNull());

  it('lets a development target use http or https on loopback only', () => {
    expect(crmUrlProblem('hubspot', 'http://127.0.0.1:4010/hs', true)).toBeNull();
    expect(crmUrlProblem('salesforce', 'http://[::1]:4010', true)).toBeNull();
    expect(crmUrlProblem('hubspot', 'http://localhost:9', true)).toBeNull();
    expect(crmUrlProblem('hubspot', 'http://127.0.0.1.evil.example', true)).not.toBeNull();
    expect(crmUrlProblem('hubspot', 'http://192.168.1.1', true)).not.toBeNull();
    expect(crmUrlProblem('hubspot', 'file:///tmp/x', true)).not.toBeNull();
    expect(isLoopbackHost('127.255.0.1')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('suggests the closest known name for a likely typo only', () => {
    expect(closestName('basepath', ['basePath', 'pipelines'])).toBe('basePath');
    expect(closestName('shedule', ['schedule', 'scoring'])).toBe('schedule');
    expect(closestName('zzzzzz', ['schedule', 'scoring'])).toBeUndefined();
  });
});
