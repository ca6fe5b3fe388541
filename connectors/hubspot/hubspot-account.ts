import { createHash } from 'node:crypto';
import type { Logger } from '../../src/shared/logger.ts';
import type { HubSpotHttp } from './hubspot-http.ts';

/**
 * The key of the HubSpot account (portal) a connector calls, for the rate budget shared with every
 * other process and tenant on it: `hubspot:<portalId>` from the account information API
 * (`GET /account-info/v3/details`). Where that is not served, the host and credential stand in
 * (`hubspot:cred:<hash>`): tenants with the same credential share the budget, tenants on one portal
 * with different credentials then do not (docs/CONNECTORS.md). Sent outside the limiter (it is what
 * the limiter waits for), once per connector.
 */
export async function hubspotAccountKey(options: {
  basePath: string;
  http: HubSpotHttp;
  requestTimeoutMs: number;
  /** A stable credential (private-app token, OAuth refresh token): the stand-in's identity. */
  credential: string;
  logger: Logger;
}): Promise<string> {
  const token = await options.http.tokens.token();
  try {
    const res = await fetch(`${options.basePath}/account-info/v3/details`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(options.requestTimeoutMs),
    });
    if (res.ok) {
      const body = (await res.json()) as { portalId?: unknown };
      if (typeof body.portalId === 'number' || typeof body.portalId === 'string') {
        return `hubspot:${String(body.portalId)}`;
      }
    } else {
      await res.arrayBuffer();
    }
  } catch (err) {
    options.logger.warn(
      { err },
      'reading the HubSpot account id failed; sharing the rate budget by credential',
    );
  }
  const digest = createHash('sha256')
    .update(`${options.basePath}\n${options.credential}`)
    .digest('hex')
    .slice(0, 16);
  return `hubspot:cred:${digest}`;
}
