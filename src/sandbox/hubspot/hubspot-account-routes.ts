import type { FastifyInstance } from 'fastify';
import { formatUtcOffset, nextLocalMidnight, utcOffsetMs } from '../../domain/index.ts';
import type { HubSpotContext } from './hubspot-context.ts';

/**
 * The account information API (https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/guide):
 * - `GET /account-info/v3/details`: portalId, accountType, timeZone, currencies, utcOffset(Milliseconds).
 * - `GET /account-info/v3/api-usage/daily/private-apps`: today's private-app usage, its limit and
 *   `resetsAt` (the docs' own example resets at 04:00Z: midnight in a US Eastern account in summer).
 * Both count as API calls like any other (the docs do not exempt them; see docs/SANDBOX.md).
 */
export function registerAccountRoutes(app: FastifyInstance, ctx: HubSpotContext): void {
  app.get('/account-info/v3/details', async () => {
    const offset = utcOffsetMs(ctx.clock(), ctx.timeZone);
    return {
      portalId: ctx.portalId,
      accountType: 'STANDARD',
      timeZone: ctx.timeZone,
      companyCurrency: 'USD',
      additionalCurrencies: [],
      utcOffset: formatUtcOffset(offset),
      utcOffsetMilliseconds: offset,
      uiDomain: 'app.hubspot.com',
      dataHostingLocation: 'na1',
    };
  });

  app.get('/account-info/v3/api-usage/daily/private-apps', async () => {
    const now = ctx.clock();
    const limit = ctx.limiter.limits.daily;
    return {
      results: [
        {
          name: 'private-apps-api-calls-daily',
          usageLimit: limit ?? 0,
          currentUsage: ctx.limiter.dailyUsage(now),
          collectedAt: new Date(now).toISOString(),
          fetchStatus: 'SUCCESS',
          resetsAt: new Date(nextLocalMidnight(now, ctx.timeZone)).toISOString(),
        },
      ],
    };
  });
}
