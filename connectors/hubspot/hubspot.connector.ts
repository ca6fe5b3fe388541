import type { z } from 'zod';
import { type CrmAccount, type Owner, type Target, HubSpotConnectionSchema } from '../../src/domain/index.ts';
import { AppError } from '../../src/shared/app-error.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { SharedRateBudget } from '../../src/shared/shared-rate-budget.ts';
import type { AlertOutcome, AlertTask, CrmConnector, CrmMetadata, EffectOptions } from '../crm-connector.ts';
import { chooseAlertAssignee } from '../shared/alert-assignee.ts';
import { CRM_LIMITS } from '../shared/crm-limits.ts';
import { SlidingWindowLimiter } from '../shared/rate-limiter.ts';
import { scopedIterable } from '../shared/scoped-iterable.ts';
import { SharedLimiter } from '../shared/shared-limiter.ts';
import { hubspotAccountKey } from './hubspot-account.ts';
import { checkHubSpotConnection } from './hubspot-connection-check.ts';
import { HUBSPOT_MAX_SOCKETS, HubSpotHttp, type HubSpotRetryOptions } from './hubspot-http.ts';
import { HubSpotReader } from './hubspot-reader.ts';
import {
  GOAL_PROPERTIES,
  MappingError,
  mapGoalTarget,
  mapOwner,
  RawObjectSchema,
} from './hubspot-records.ts';
import { HubSpotWriter } from './hubspot-writer.ts';
import { listHubSpotDealIds } from './hubspot-deal-ids.ts';
import { isHubSpotPropertyMissing } from './hubspot-schema-missing.ts';
import { withSchemaMissing } from '../shared/schema-missing.ts';

type HubSpotConnection = z.input<typeof HubSpotConnectionSchema>;

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
  /**
   * The rate budget of the HubSpot account (portal), shared by every process and tenant calling it
   * (the composition root builds a Redis-backed one). Absent: this connector's own limiter only.
   */
  sharedBudget?: SharedRateBudget;
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
   * API calls in flight at once; default 16 (the connector's socket pool). Independent reads of a
   * page (batches, association kinds) run side by side so that network latency does not cap the
   * rate below the CRM's limit (the rolling window's burst included); the limiter still decides
   * when each call may start.
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
  const windowMs = options.limits?.windowMs ?? limits.windowMs;
  const perSecond = { search: options.limits?.searchPerSecond ?? limits.searchPerSecond };
  const local = new SlidingWindowLimiter({
    requestsPerWindow: options.limits?.requestsPerWindow ?? limits.requestsPerWindow,
    windowMs,
    perSecond,
  });
  const basePath = connection.basePath.replace(/\/$/, '');
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const budget = options.sharedBudget;
  const limiter =
    budget === undefined
      ? local
      : new SharedLimiter({
          local,
          budget,
          windowMs,
          perSecond,
          account: () =>
            hubspotAccountKey({
              basePath,
              http,
              requestTimeoutMs,
              logger: options.logger,
              credential:
                connection.auth.type === 'private_app'
                  ? connection.auth.accessToken
                  : connection.auth.refreshToken,
            }),
        });
  const http: HubSpotHttp = new HubSpotHttp({
    basePath,
    auth: connection.auth,
    limiter,
    logger: options.logger,
    now,
    requestTimeoutMs,
    retry: options.retry ?? {},
    concurrency: options.concurrency ?? HUBSPOT_MAX_SOCKETS,
  });
  const reader = new HubSpotReader({
    http,
    now,
    windowEnd: (signal) => http.crmNow(signal),
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

  /** Every page of `list` (HubSpot's `after` paging), one after another. */
  async function allPages<T>(
    list: (after: string | undefined) => Promise<{ results: T[]; paging?: { next?: { after?: string } } }>,
  ): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 10_000; guard += 1) {
      const res = await list(after);
      out.push(...res.results);
      after = res.paging?.next?.after;
      if (after === undefined) break;
    }
    return out;
  }

  /**
   * Every owner: the current ones, then the deactivated ones, which HubSpot lists only with
   * `archived=true` (they keep their deals but can take no new task). Both lists are read side by
   * side, and mapped current first.
   */
  async function listOwners(): Promise<{ owners: Owner[]; ownerByUser: Map<string, string> }> {
    const lists = await Promise.all(
      [false, true].map((archived) =>
        allPages((after) =>
          http.call('default', () =>
            http.client.crm.owners.ownersApi.getPage(undefined, after, 500, archived),
          ),
        ),
      ),
    );
    const owners: Owner[] = [];
    const ownerByUser = new Map<string, string>();
    for (const [index, raws] of lists.entries()) {
      const archived = index === 1;
      for (const raw of raws) {
        const { owner, userId } = mapOwner(archived ? { ...raw, archived: true } : raw);
        owners.push(owner);
        if (userId !== null && !ownerByUser.has(userId)) ownerByUser.set(userId, owner.id);
      }
    }
    return { owners, ownerByUser };
  }
  /** Owners for alert assignment: from fetchMetadata when it ran, else read once. */
  let ownersOnce: Promise<Owner[]> | null = null;

  /**
   * The account's zone, pipelines, owners and goal targets. The reads do not depend on each other
   * and run side by side: one after another they made a chain of round trips at the start of every
   * sync, before the first page could be read (issue 19).
   */
  async function fetchMetadata(): Promise<CrmMetadata> {
    const [zone, pipelines, { owners, ownerByUser }, goals] = await Promise.all([
      // The account's zone, once per connector, so a later DAILY 429 knows the account's midnight.
      http.accountZone.load(),
      reader.pipelines(),
      listOwners(),
      allPages((after) =>
        http.call('default', () =>
          http.client.crm.objects.basicApi.getPage('goal_targets', limits.pageSize, after, GOAL_PROPERTIES),
        ),
      ),
    ]);
    if (!zone.ok)
      options.logger.warn({ reason: zone.reason }, 'could not read the HubSpot account time zone');
    ownersOnce = Promise.resolve(owners);
    const targets: Target[] = [];
    for (const raw of goals) {
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
    const account: CrmAccount = {
      crm: 'hubspot',
      portalId: zone.ok && zone.portalId !== null ? String(zone.portalId) : null,
      uiDomain: zone.ok ? zone.uiDomain : null,
      instanceUrl: null,
      currency: zone.ok ? zone.currency : null,
    };
    return { pipelines, owners, targets, account };
  }

  /**
   * Tasks of deactivated owners go to the fallback owner (HubSpot records no manager), or are not
   * created when there is none; each such alert is reported in `reassigned`, nothing fails the batch.
   */
  async function createAlertTasks(alerts: AlertTask[], effect: EffectOptions = {}): Promise<AlertOutcome> {
    ownersOnce ??= listOwners().then((r) => r.owners);
    let owners: Owner[];
    try {
      owners = await ownersOnce;
    } catch (err) {
      ownersOnce = null;
      throw err;
    }
    const byId = new Map(owners.map((o) => [o.id, o]));
    const reassigned: NonNullable<AlertOutcome['reassigned']> = [];
    const toCreate: AlertTask[] = [];
    for (const a of alerts) {
      const choice = chooseAlertAssignee(a.alert.ownerId, byId, options.fallbackOwnerId);
      if (choice.reassignedBecause === null || a.alert.ownerId === null) {
        toCreate.push(a);
        continue;
      }
      if (!reassigned.some((r) => r.key === a.key)) {
        reassigned.push({
          key: a.key,
          fromOwnerId: a.alert.ownerId,
          toOwnerId: choice.ownerId,
          reason: choice.reassignedBecause,
        });
      }
      if (choice.ownerId !== null) toCreate.push({ ...a, alert: { ...a.alert, ownerId: choice.ownerId } });
    }
    const outcome = await writer.createAlertTasks(toCreate, effect);
    return reassigned.length === 0 ? outcome : { ...outcome, reassigned };
  }

  return {
    crm: 'hubspot',
    bootstrapSchema: (o) => http.withSignal(o?.signal, () => writer.bootstrapSchema()),
    fetchMetadata: (o) => http.withSignal(o?.signal, fetchMetadata),
    pull: (cursor, pullOptions) =>
      scopedIterable(
        (fn) => http.withSignal(pullOptions?.signal, fn),
        reader.pull(cursor, pullOptions?.pipelines, pullOptions?.signal, pullOptions?.known),
      ),
    writeHealth: (writes, o) =>
      http.withSignal(o?.signal, () =>
        withSchemaMissing(writer.writeHealth(writes, o), isHubSpotPropertyMissing),
      ),
    readHealth: (dealIds, o) => http.withSignal(o?.signal, () => writer.readHealth(dealIds)),
    createAlertTasks: (alerts, o) => http.withSignal(o?.signal, () => createAlertTasks(alerts, o)),
    usage: () => http.counter.usage(),
    checkConnection: () =>
      checkHubSpotConnection({
        http,
        authType: connection.auth.type,
        fallbackOwnerId: options.fallbackOwnerId,
        now,
      }),
    listDealIds: (listOptions) =>
      listHubSpotDealIds(
        http,
        listOptions?.pipelines && listOptions.pipelines.length > 0
          ? listOptions.pipelines
          : connection.pipelines,
        listOptions?.signal,
      ),
  };
}
