import type { CrmKind } from './crm.ts';
/**
 * Where a tenant's CRM credentials may be sent. A stored token goes to `basePath` / `loginUrl` on
 * every run, so these hosts are checked against each CRM's documented API domains:
 *
 * - HubSpot: the public API host is api.hubapi.com (every endpoint in the API reference, e.g.
 *   https://developers.hubspot.com/docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token);
 *   the regional hosts api-na1.hubapi.com / api-eu1.hubapi.com are HubSpot's own split of it
 *   (https://product.hubspot.com/blog/routing-api-traffic).
 * - Salesforce: "All OAuth endpoints require secure HTTP (HTTPS)"; login.salesforce.com, a My
 *   Domain (MyCompany.my.salesforce.com), and for sandboxes test.salesforce.com or
 *   MyDomainName--SandboxName.sandbox.my.salesforce.com
 *   (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_endpoints.htm).
 *
 * Anything else (plain http, another host, an internal address, a `file:` URL, user info in the
 * URL, a non-default port) is refused, unless the connection is marked `developmentTarget: true`,
 * which allows http(s) on loopback only (the embedded sandbox, local tests).
 */

const HUBSPOT_HOST = /^api(-[a-z]{2}[0-9]{1,2})?\.hubapi\.com$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SALESFORCE_HOST = new RegExp(
  `^(login\\.salesforce\\.com|test\\.salesforce\\.com|${LABEL}(--${LABEL})?(\\.sandbox)?\\.my\\.salesforce\\.com)$`,
);

/** 127.0.0.0/8, ::1 and localhost: the only hosts a development target may use. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  const parts = host.split('.');
  return (
    parts.length === 4 && parts[0] === '127' && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)
  );
}

/** Why `url` is not an allowed CRM endpoint for `crm`, or null when it is. */
export function crmUrlProblem(crm: CrmKind, url: string, developmentTarget: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry user info';
  if (parsed.search !== '' || parsed.hash !== '') return 'must not carry a query or fragment';
  if (developmentTarget) {
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
    return isLoopbackHost(parsed.hostname)
      ? null
      : 'a development target may only use a loopback host (127.0.0.1, ::1, localhost)';
  }
  if (parsed.protocol !== 'https:') {
    return 'must be https (set developmentTarget: true for a local sandbox on loopback)';
  }
  if (parsed.port !== '') return 'must use the default https port';
  const host = parsed.hostname.toLowerCase();
  const ok = crm === 'hubspot' ? HUBSPOT_HOST.test(host) : SALESFORCE_HOST.test(host);
  if (ok) return null;
  return crm === 'hubspot'
    ? 'must be a HubSpot API host (https://api.hubapi.com or a regional api-xxN.hubapi.com)'
    : 'must be a Salesforce login host (login.salesforce.com, test.salesforce.com or a *.my.salesforce.com My Domain)';
}
