import type { z } from 'zod';
import { type CrmAccount, SalesforceConnectionSchema } from '../../src/domain/index.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { CrmConnector, PullOptions, SyncPage } from '../crm-connector.ts';
import { scopedIterable } from '../shared/scoped-iterable.ts';
import { bootstrapSalesforceSchema } from './salesforce-bootstrap.ts';
import { checkSalesforceConnection } from './salesforce-connection-check.ts';
import { SalesforceBulkQuery } from './salesforce-bulk-query.ts';
import { SalesforceClient } from './salesforce-client.ts';
import { listSalesforceDealIds } from './salesforce-deal-ids.ts';
import { salesforceErrorCode } from './salesforce-failure.ts';
import { withSchemaMissing } from '../shared/schema-missing.ts';
import { SALESFORCE_LIMITS } from './salesforce-limits.ts';
import { fetchSalesforceMetadata, fetchStages } from './salesforce-metadata.ts';
import { SalesforcePull } from './salesforce-pull.ts';
import { withCallSignal } from './salesforce-transport.ts';
import {
  createSalesforceAlertTasks,
  readSalesforceHealth,
  writeSalesforceHealth,
} from './salesforce-writes.ts';

/** Options of {@link createSalesforceConnector}. */
export interface SalesforceConnectorOptions {
  /** The tenant's Salesforce connection (tenants file); validated here with SalesforceConnectionSchema. */
  connection: z.input<typeof SalesforceConnectionSchema>;
  logger: Logger;
  /** Receives alert tasks of inactive owners without an active manager (tenant alerts.fallbackOwnerId). */
  fallbackOwnerId?: string;
  /** The connector's clock: quarantine timestamps, meeting scheduled/completed, quota reset. Default: system clock. */
  clock?: () => Date;
  /** Start with an access token you already hold instead of asking the token endpoint first. */
  session?: { accessToken: string; instanceUrl: string; userId?: string | null };
  /**
   * Event field holding a meeting outcome picklist (Scheduled / Completed / No Show / Canceled ...).
   * Salesforce has no standard one; default null: meetings are "scheduled" when they start in the
   * future and "completed" otherwise.
   */
  eventOutcomeField?: string | null;
  /**
   * Let bootstrapSchema assign the permission set to the integration user. Default: the tenant's
   * `connection.assignPermissionSet` (false: an admin does it).
   */
  assignPermissionSet?: boolean;
  /** Months per ForecastingQuota period (the org's forecast period). Default 3 (quarterly). */
  quotaPeriodMonths?: number;
  /** Lookback behind the incremental watermark, ms. Default 300,000 (5 minutes). */
  lookbackMs?: number;
  /** Longest query URL, for chunking IN lists. Default 12,000. */
  maxQueryUrlLength?: number;
  /**
   * Opportunities (or changed activities) per pulled page: the batch size asked of Salesforce
   * (200..2,000). Default 2,000, Salesforce's largest: the fewest calls.
   */
  pageSize?: number;
  /**
   * Read large full syncs through Bulk API 2.0 (one query job per object, CSV results pages)
   * instead of REST queries. Incremental syncs always use REST. Default true.
   */
  bulk?: boolean;
  /**
   * Opportunities (one COUNT() call at the start of a full sync) from which the full sync counts
   * each object's rows (one COUNT() call each) and reads every object the cheaper way, by REST
   * queries or a Bulk API 2.0 job (salesforce-read-plan.ts). Below it the full sync stays on REST
   * without counting. Default 1,000.
   */
  bulkThreshold?: number;
  /** 'cheaper' (default): per object, whichever costs fewer calls; 'always': every object by bulk job. */
  bulkChoice?: 'cheaper' | 'always';
  /** Status checks a bulk job is expected to need, for the cost estimate. Default 2. */
  bulkExpectedStatusChecks?: number;
  /** Rows per Bulk API results page, also the records per sync page of a bulk sync. Default 50,000. */
  bulkMaxRecords?: number;
  /** First wait before a bulk job's status check, ms; doubled per check up to 30 s. Default 2,000. */
  bulkPollIntervalMs?: number;
  /** Concurrent related-record queries per page. Default 4. */
  concurrency?: number;
  /** Request timeout, ms. Default 60,000. */
  requestTimeoutMs?: number;
  /** Attempts per request (and per record) for transient failures. Default 4. */
  maxAttempts?: number;
  /** Backoff base and cap, ms (full jitter). Defaults 250 and 8,000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Wait function between attempts (tests pass a fast one). Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The Salesforce CrmConnector, built on jsforce. One instance holds one session (refreshed on
 * expiry, one refresh at a time) and counts its own API calls. See docs/CONNECTORS.md.
 */
export function createSalesforceConnector(options: SalesforceConnectorOptions): CrmConnector {
  const connection = SalesforceConnectionSchema.parse(options.connection);
  const client = new SalesforceClient({
    connection,
    logger: options.logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.session === undefined ? {} : { session: options.session }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
    ...(options.backoffMaxMs === undefined ? {} : { backoffMaxMs: options.backoffMaxMs }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const maxQueryUrlLength = options.maxQueryUrlLength ?? SALESFORCE_LIMITS.maxQueryUrlLength;
  const missingObjects = new Set<string>();
  const alertKeyReadable = { value: null as boolean | null };
  let stages: Promise<ReadonlySet<string> | null> | null = null;
  const knownStages = () => {
    stages ??= fetchStages(client).then(
      (list) => (list === null ? null : new Set(list.map((s) => s.id))),
      (err: unknown) => {
        stages = null;
        throw err;
      },
    );
    return stages;
  };

  return {
    crm: 'salesforce',
    async bootstrapSchema(o) {
      const result = await withCallSignal(o?.signal, () =>
        bootstrapSalesforceSchema(client, options.logger, {
          assignPermissionSet: options.assignPermissionSet ?? connection.assignPermissionSet,
        }),
      );
      // The alert key may have just become readable.
      alertKeyReadable.value = null;
      return result;
    },
    async fetchMetadata(o) {
      const metadata = await withCallSignal(o?.signal, () =>
        fetchSalesforceMetadata(client, {
          quotaPeriodMonths: options.quotaPeriodMonths ?? 3,
          missingObjects,
        }),
      );
      // The pull checks stages against these; no need to read them again.
      stages = Promise.resolve(new Set(metadata.pipelines.flatMap((p) => p.stages.map((s) => s.id))));
      // The record links of the report; the org's currency is not read (docs/ADMIN.md says so).
      const account: CrmAccount = {
        crm: 'salesforce',
        portalId: null,
        uiDomain: null,
        instanceUrl: client.instanceUrl(),
        currency: null,
      };
      return { ...metadata, account };
    },
    pull(cursor: string | null, pullOptions?: PullOptions): AsyncIterable<SyncPage> {
      const pageSize = Math.min(
        SALESFORCE_LIMITS.queryBatchSize,
        Math.max(200, options.pageSize ?? SALESFORCE_LIMITS.queryBatchSize),
      );
      const pull = new SalesforcePull(
        {
          client,
          logger: options.logger,
          extraFields: connection.extraFields,
          eventOutcomeField: options.eventOutcomeField ?? null,
          lookbackMs: options.lookbackMs ?? SALESFORCE_LIMITS.lookbackMs,
          maxQueryUrlLength,
          concurrency: options.concurrency ?? SALESFORCE_LIMITS.relatedQueryConcurrency,
          pageSize,
          knownStages,
          missingObjects,
          alertKeyReadable,
          bulk:
            options.bulk === false
              ? null
              : {
                  threshold: options.bulkThreshold ?? SALESFORCE_LIMITS.bulkThreshold,
                  choice: options.bulkChoice ?? 'cheaper',
                  costs: {
                    restBatch: pageSize,
                    bulkMaxRecords: options.bulkMaxRecords ?? SALESFORCE_LIMITS.bulkMaxRecords,
                    bulkStatusChecks:
                      options.bulkExpectedStatusChecks ?? SALESFORCE_LIMITS.bulkExpectedStatusChecks,
                  },
                  query: new SalesforceBulkQuery(client, {
                    maxRecords: options.bulkMaxRecords ?? SALESFORCE_LIMITS.bulkMaxRecords,
                    pollIntervalMs: options.bulkPollIntervalMs ?? SALESFORCE_LIMITS.bulkPollIntervalMs,
                    pollMaxMs: SALESFORCE_LIMITS.bulkPollMaxMs,
                    pollTimeoutMs: SALESFORCE_LIMITS.bulkPollTimeoutMs,
                  }),
                },
        },
        pullOptions,
      );
      return scopedIterable((fn) => withCallSignal(pullOptions?.signal, fn), pull.run(cursor));
    },
    writeHealth(writes, o) {
      // INVALID_FIELD on a write: a PH_ field is missing or hidden; the bootstrap fixes both.
      return withCallSignal(o?.signal, () =>
        withSchemaMissing(
          writeSalesforceHealth(client, writes, o),
          (err) => salesforceErrorCode(err) === 'INVALID_FIELD',
        ),
      );
    },
    readHealth(dealIds, o) {
      return withCallSignal(o?.signal, () => readSalesforceHealth(client, dealIds));
    },
    createAlertTasks(alerts, o) {
      return withCallSignal(o?.signal, () =>
        createSalesforceAlertTasks(client, alerts, maxQueryUrlLength, options.fallbackOwnerId, o),
      );
    },
    usage() {
      return client.usage();
    },
    checkConnection() {
      return checkSalesforceConnection(client, {
        apiVersion: connection.apiVersion,
        fallbackOwnerId: options.fallbackOwnerId,
      });
    },
    listDealIds(listOptions) {
      return listSalesforceDealIds(client, listOptions?.signal);
    },
  };
}
