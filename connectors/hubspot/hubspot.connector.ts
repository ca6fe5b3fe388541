import type { z } from 'zod';
import type { Target } from '../../src/domain/pipeline.ts';
import { HubSpotConnectionSchema } from '../../src/domain/tenant.ts';
import { AppError } from '../../src/shared/app-error.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { CrmConnector, CrmMetadata } from '../crm-connector.ts';
import { CRM_LIMITS } from '../shared/crm-limits.ts';
import { SlidingWindowLimiter } from '../shared/rate-limiter.ts';
import { HubSpotHttp, type HubSpotRetryOptions } from './hubspot-http.ts';
import { HubSpotReader } from './hubspot-reader.ts';
import {
  GOAL_PROPERTIES,
  MappingError,
  mapGoalTarget,
  mapOwner,
  RawObjectSchema,
} from './hubspot-records.ts';
import { HubSpotWriter } from './hubspot-writer.ts';

export type HubSpotConnection = z.input<typeof HubSpotConnectionSchema>;

/** Options for {@link createHubSpotConnector}. */
export interface HubSpotConnectorOptions {
  /** The tenant's HubSpot connection (auth, basePath, pipelines). */
  connection: HubSpotConnection;
  logger: Logger;
  /** Receives alert tasks of inactive owners without an active manager (tenant alerts.fallbackOwnerId). */
  fallbackOwnerId?: string;
  /** Wall clock in epoch ms (cursor windows, token expiry, quota reset). Default Date.now. */
  clock?: () => number;
  /** Limiter settings; defaults from CRM_LIMITS.hubspot (190 per 10 s, 5 searches per second). */
  limits?: { requestsPerWindow?: number; windowMs?: number; searchPerSecond?: number };
  /** Retry bounds; see HubSpotRetryOptions for the defaults. */
  retry?: HubSpotRetryOptions;
  /** Per-request timeout (no traffic on the socket) in ms; default 30,000. */
  requestTimeoutMs?: number;
  /** Deals per pulled page; default 1,000 (the association batch limit, so one read per page). */
  dealsPerPage?: number;
  /** Incremental pulls re-read this far before the previous pull started, in ms; default 300,000 (5 min). */
  lookbackMs?: number;
  /** Rounds of retrying records a batch write refused for a transient reason; default 2. */
  recordRetries?: number;
  /**
   * API calls in flight at once; default 4. Independent reads of a page (batches, association
   * kinds) run side by side so that network latency, not only the rate limit, is covered; the
   * limiter still decides when each call may start.
   */
  concurrency?: number;
}

/** A CrmConnector for one HubSpot account, through the official SDK. */
export function createHubSpotConnector(options: HubSpotConnectorOptions): CrmConnector {
  const now = options.clock ?? Date.now;
  const limits = CRM_LIMITS.hubspot;
  const parsed = HubSpotConnectionSchema.safeParse(options.connection);
  if (!parsed.success) {
    throw new AppError('CONFIG_INVALID', 'invalid HubSpot connection', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  const connection = parsed.data;
  const limiter = new SlidingWindowLimiter({
    requestsPerWindow: options.limits?.requestsPerWindow ?? limits.requestsPerWindow,
    windowMs: options.limits?.windowMs ?? limits.windowMs,
    perSecond: { search: options.limits?.searchPerSecond ?? limits.searchPerSecond },
  });
  const http = new HubSpotHttp({
    basePath: connection.basePath.replace(/\/$/, ''),
    auth: connection.auth,
    limiter,
    logger: options.logger,
    now,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? {},
    concurrency: options.concurrency ?? 4,
  });
  const reader = new HubSpotReader({
    http,
    now,
    pipelines: connection.pipelines,
    dealsPerPage: options.dealsPerPage ?? limits.associationBatchSize,
    lookbackMs: options.lookbackMs ?? 300_000,
    extraProperties: connection.extraProperties,
  });
  const writer = new HubSpotWriter({
    http,
    logger: options.logger,
    recordRetries: options.recordRetries ?? 2,
  });

  async function fetchMetadata(): Promise<CrmMetadata> {
    const pipelines = await reader.pipelines();
    const owners: CrmMetadata['owners'] = [];
    const ownerByUser = new Map<string, string>();
    let after: string | undefined;
    for (let guard = 0; guard < 10_000; guard += 1) {
      const res = await http.call('default', () =>
        http.client.crm.owners.ownersApi.getPage(undefined, after, 500, false),
      );
      for (const raw of res.results) {
        const { owner, userId } = mapOwner(raw);
        owners.push(owner);
        if (userId !== null) ownerByUser.set(userId, owner.id);
      }
      after = res.paging?.next?.after;
      if (after === undefined) break;
    }
    const targets: Target[] = [];
    after = undefined;
    for (let guard = 0; guard < 10_000; guard += 1) {
      const res = await http.call('default', () =>
        http.client.crm.objects.basicApi.getPage('goal_targets', limits.pageSize, after, GOAL_PROPERTIES),
      );
      for (const raw of res.results) {
        const parsed = RawObjectSchema.safeParse(raw);
        if (!parsed.success) continue;
        try {
          const t = mapGoalTarget(parsed.data, ownerByUser);
          // Goals measure many KPIs; only revenue targets are pipeline targets.
          const kpi = parsed.data.properties.hs_kpi_display_name;
          if (kpi === undefined || kpi === null || /revenue/i.test(kpi)) targets.push(t);
        } catch (err) {
          if (!(err instanceof MappingError)) throw err;
          options.logger.warn({ goalId: parsed.data.id, reason: err.message }, 'skipping a goal target');
        }
      }
      after = res.paging?.next?.after;
      if (after === undefined) break;
    }
    return { pipelines, owners, targets };
  }

  return {
    crm: 'hubspot',
    bootstrapSchema: () => writer.bootstrapSchema(),
    fetchMetadata,
    pull: (cursor, pullOptions) =>
      reader.pull(cursor, pullOptions?.pipelines, pullOptions?.signal, pullOptions?.known),
    writeHealth: (writes, options) => writer.writeHealth(writes, options),
    readHealth: (dealIds) => writer.readHealth(dealIds),
    createAlertTasks: (alerts, options) => writer.createAlertTasks(alerts, options),
    usage: () => http.counter.usage(),
  };
}
