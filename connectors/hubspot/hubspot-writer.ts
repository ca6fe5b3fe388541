import type {
  AlertOutcome,
  AlertTask,
  EffectOptions,
  HealthWrite,
  SchemaBootstrapResult,
  WriteFailure,
  WriteOutcome,
} from '../crm-connector.ts';
import type { HealthFieldValues } from '../../src/domain/index.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { backoffDelay, sleep } from '../shared/backoff.ts';
import { CRM_LIMITS, chunk } from '../shared/crm-limits.ts';
import { sendFenced } from '../shared/send-permit.ts';
import type { HubSpotHttp } from './hubspot-http.ts';
import {
  ALERT_KEY_DEFINITION,
  ALERT_KEY_PROPERTY,
  HEALTH_GROUP,
  type HubSpotPropertyDefinition,
  fromHubSpotProperties,
  HEALTH_PROPERTY_NAMES,
  healthPropertyDefinitions,
  toHubSpotProperties,
} from './hubspot-health-properties.ts';

const LIMITS = CRM_LIMITS.hubspot;
/** Rounds of a task create whose answer is lost (each after re-reading what exists). */
const CREATE_ROUNDS = 4;
/** HUBSPOT_DEFINED association type: task -> deal. */
const TASK_TO_DEAL = 216;

/** One per-record error of a 207 batch response (every field optional, as HubSpot documents). */
interface BatchErrorLike {
  status?: string;
  category?: string;
  message?: string;
  context?: Record<string, string[] | undefined>;
}

/** Categories where trying the same record again later may succeed. */
const RETRYABLE_CATEGORIES = new Set([
  'RATE_LIMITS',
  'LOCKED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'BAD_GATEWAY',
]);

function recordFailure(id: string, e: BatchErrorLike): WriteFailure {
  const category = e.category ?? 'UNKNOWN';
  const retryable = RETRYABLE_CATEGORIES.has(category);
  const code = retryable
    ? 'CRM_UNAVAILABLE'
    : category === 'MISSING_SCOPES' || category === 'FORBIDDEN'
      ? 'CRM_PERMISSION'
      : 'CRM_REJECTED';
  return { dealId: id, code, message: `${category}: ${e.message ?? 'no message'}`, retryable };
}

/** Ids an error names: `context.ids`, else any id of the batch that appears in the message. */
function idsOf(e: BatchErrorLike, batch: string[]): string[] {
  const ids = e.context?.ids ?? e.context?.id;
  if (ids && ids.length > 0) return ids;
  return batch.filter((id) => (e.message ?? '').includes(id));
}

/** The task text: the caller's body, with the suggested action added only when the body lacks it. */
function taskBody(task: AlertTask): string {
  if (task.body.includes(task.alert.suggestedAction)) return task.body;
  return `${task.body}\n\nSuggested action: ${task.alert.suggestedAction}`;
}

export interface WriterOptions {
  http: HubSpotHttp;
  logger: Logger;
  /** Rounds of retrying records that failed with a retryable reason; default 2. */
  recordRetries: number;
  signal?: AbortSignal;
}

/** Everything the connector writes: schema, health values, alert tasks. */
export class HubSpotWriter {
  readonly #o: WriterOptions;

  constructor(options: WriterOptions) {
    this.#o = options;
  }

  async bootstrapSchema(): Promise<SchemaBootstrapResult> {
    const http = this.#o.http;
    const created: string[] = [];
    const existing: string[] = [];
    // Our own group on tasks too: task property groups differ between portals and API versions.
    for (const objectType of ['deals', 'tasks']) {
      try {
        await http.call('default', () =>
          http.client.crm.properties.groupsApi.create(objectType, HEALTH_GROUP),
        );
        created.push(`${objectType}.group:${HEALTH_GROUP.name}`);
      } catch (err) {
        if (!(err instanceof AppError && err.status === 409)) throw err;
        existing.push(`${objectType}.group:${HEALTH_GROUP.name}`);
      }
    }
    for (const [objectType, defs] of [
      ['deals', healthPropertyDefinitions()],
      ['tasks', [ALERT_KEY_DEFINITION]],
    ] as [string, HubSpotPropertyDefinition[]][]) {
      // Read first, then create only the missing ones in one batch: two calls per object type.
      const found = await http.call('default', () =>
        http.client.crm.properties.batchApi.read(objectType, {
          archived: false,
          inputs: defs.map((d) => ({ name: d.name })),
        } as never),
      );
      const have = new Set(found.results.map((p) => p.name));
      const missing = defs.filter((d) => !have.has(d.name));
      for (const d of defs) if (have.has(d.name)) existing.push(`${objectType}.${d.name}`);
      if (missing.length === 0) continue;
      const res = await http.call('default', () =>
        http.client.crm.properties.batchApi.create(objectType, { inputs: missing } as never),
      );
      for (const p of res.results) created.push(`${objectType}.${p.name}`);
      const errors = ('errors' in res ? res.errors : undefined) ?? [];
      for (const e of errors as BatchErrorLike[]) {
        // 409-style conflicts mean another worker created it meanwhile: that is "existing".
        const names = e.context?.name ?? [];
        if (e.category === 'CONFLICT' || /already exists/i.test(e.message ?? '')) {
          for (const n of names) existing.push(`${objectType}.${n}`);
        } else {
          throw new AppError(
            'CRM_REJECTED',
            `creating ${objectType} properties ${names.join(', ')}: ${e.message ?? ''}`,
          );
        }
      }
    }
    return { created, existing };
  }

  async writeHealth(writes: HealthWrite[], options: EffectOptions = {}): Promise<WriteOutcome> {
    const written: string[] = [];
    const failed: WriteFailure[] = [];
    // Last write per deal wins; a write with nothing mapped has nothing to send.
    const byDeal = new Map<string, Record<string, string>>();
    for (const w of writes) {
      const properties = toHubSpotProperties(w.values);
      if (Object.keys(properties).length === 0) {
        written.push(w.dealId);
        continue;
      }
      byDeal.set(w.dealId, { ...(byDeal.get(w.dealId) ?? {}), ...properties });
    }
    let pending = [...byDeal.keys()];
    for (let round = 0; pending.length > 0; round += 1) {
      const retry: WriteFailure[] = [];
      const outcomes = await Promise.all(
        chunk(pending, LIMITS.batchSize).map((b) => this.#updateBatch(b, byDeal, options)),
      );
      for (const outcome of outcomes) {
        written.push(...outcome.written);
        for (const f of outcome.failed)
          (f.retryable && round < this.#o.recordRetries ? retry : failed).push(f);
      }
      pending = retry.map((f) => f.dealId);
      if (pending.length > 0) {
        this.#o.logger.warn(
          { records: pending.length, round },
          'retrying records HubSpot refused for a transient reason',
        );
        await sleep(backoffDelay(round), this.#o.signal);
      }
    }
    return { written, failed };
  }

  async readHealth(dealIds: string[]): Promise<Map<string, Partial<HealthFieldValues>>> {
    const http = this.#o.http;
    const out = new Map<string, Partial<HealthFieldValues>>();
    for (const batch of chunk([...new Set(dealIds)], LIMITS.batchSize)) {
      const res = await http.call('default', () =>
        http.client.crm.objects.batchApi.read('deals', {
          inputs: batch.map((id) => ({ id })),
          properties: Object.values(HEALTH_PROPERTY_NAMES),
          propertiesWithHistory: [],
        }),
      );
      // Missing deals come back as a 207 OBJECT_NOT_FOUND error: they are simply absent here.
      for (const r of res.results) out.set(r.id, fromHubSpotProperties(r.properties));
    }
    return out;
  }

  async #updateBatch(
    batch: string[],
    byDeal: Map<string, Record<string, string>>,
    options: EffectOptions,
  ): Promise<WriteOutcome> {
    const http = this.#o.http;
    // The guard runs inside the call (after the limiter and a free slot), right before sending.
    const guard = options.beforeBatch;
    const res = await http.call('default', () =>
      sendFenced(guard && (() => guard(batch)), () =>
        http.client.crm.objects.batchApi.update('deals', {
          inputs: batch.map((id) => ({ id, properties: byDeal.get(id) ?? {} })),
        }),
      ),
    );
    const ok = new Set(res.results.map((r) => r.id));
    const failed: WriteFailure[] = [];
    const named = new Set<string>();
    const errors = (('errors' in res ? res.errors : undefined) ?? []) as BatchErrorLike[];
    for (const e of errors) {
      for (const id of idsOf(e, batch)) {
        if (ok.has(id) || named.has(id)) continue;
        named.add(id);
        failed.push(recordFailure(id, e));
      }
    }
    for (const id of batch) {
      if (!ok.has(id) && !named.has(id)) {
        // Neither written nor named in an error: never assume success.
        failed.push({
          dealId: id,
          code: 'CRM_UNAVAILABLE',
          message: 'HubSpot did not report this record',
          retryable: true,
        });
      }
    }
    return { written: batch.filter((id) => ok.has(id)), failed };
  }

  async createAlertTasks(alerts: AlertTask[], options: EffectOptions = {}): Promise<AlertOutcome> {
    const outcome: AlertOutcome = { created: [], existing: [], failed: [] };
    const byKey = new Map<string, AlertTask>();
    for (const a of alerts) if (!byKey.has(a.key)) byKey.set(a.key, a);
    const found = await this.#existingTasks([...byKey.keys()]);
    const toCreate: AlertTask[] = [];
    for (const [key, alert] of byKey) {
      const taskId = found.get(key);
      if (taskId !== undefined) outcome.existing.push({ key, taskId });
      else toCreate.push(alert);
    }
    // A create whose answer was lost may have been committed: it is never sent again blindly. The
    // next round first reads the tasks on those deals (associations, not search: the search index
    // lags writes) and only creates the keys still missing (CRM-FACTS.md).
    let pending = toCreate;
    for (let round = 1; pending.length > 0; round += 1) {
      if (round > 1) {
        await sleep(backoffDelay(round - 2), this.#o.signal);
        const landed = await this.#tasksOnDeals(pending);
        pending = pending.filter((a) => {
          const taskId = landed.get(a.key);
          // Created by our own earlier request of this call: it counts as created.
          if (taskId !== undefined) outcome.created.push({ key: a.key, taskId });
          return taskId === undefined;
        });
      }
      const unanswered: AlertTask[] = [];
      for (const batch of chunk(pending, LIMITS.batchSize)) {
        try {
          await this.#createBatch(batch, outcome, options);
        } catch (err) {
          const transient = err instanceof AppError && err.code === 'CRM_UNAVAILABLE';
          if (!transient || round >= CREATE_ROUNDS) throw err;
          this.#o.logger.warn(
            { tasks: batch.length, round, code: err.code },
            'task create got no answer; reading what exists before trying again',
          );
          unanswered.push(...batch);
        }
      }
      pending = unanswered;
    }
    return outcome;
  }

  /** One batch create, sent once (a transient failure throws: the caller re-reads, then retries). */
  async #createBatch(batch: AlertTask[], outcome: AlertOutcome, options: EffectOptions): Promise<void> {
    const http = this.#o.http;
    const guard = options.beforeBatch;
    const res = await http.call(
      'default',
      () =>
        sendFenced(guard && (() => guard(batch.map((a) => a.key))), () =>
          http.client.crm.objects.batchApi.create('tasks', {
            inputs: batch.map((a) => ({
              properties: {
                hs_task_subject: a.subject,
                hs_task_body: taskBody(a),
                hs_timestamp: a.dueAt,
                hs_task_status: 'NOT_STARTED',
                hs_task_type: 'TODO',
                ...(a.alert.ownerId === null ? {} : { hubspot_owner_id: a.alert.ownerId }),
                [ALERT_KEY_PROPERTY]: a.key,
              },
              associations: [
                {
                  to: { id: a.alert.dealId },
                  types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_DEAL }],
                },
              ],
            })) as never,
          }),
        ),
      undefined,
      { retryTransient: false },
    );
    const done = new Set<string>();
    for (const r of res.results) {
      const key = r.properties[ALERT_KEY_PROPERTY];
      if (typeof key === 'string') {
        done.add(key);
        outcome.created.push({ key, taskId: r.id });
      }
    }
    const errors = (('errors' in res ? res.errors : undefined) ?? []) as BatchErrorLike[];
    for (const a of batch) {
      if (done.has(a.key)) continue;
      const e =
        errors.find(
          (x) => (x.message ?? '').includes(a.alert.dealId) || x.context?.ids?.includes(a.alert.dealId),
        ) ?? errors[0];
      const f = recordFailure(a.alert.dealId, e ?? { message: 'HubSpot did not report this task' });
      outcome.failed.push({
        key: a.key,
        code: f.code,
        message: f.message,
        retryable: e === undefined || f.retryable,
      });
    }
  }

  /**
   * The tasks on these alerts' deals that carry one of their keys, read from the records themselves
   * (deal-to-task associations, then the tasks' keys): unlike search, this sees a create at once.
   */
  async #tasksOnDeals(alerts: AlertTask[]): Promise<Map<string, string>> {
    const http = this.#o.http;
    const wanted = new Set(alerts.map((a) => a.key));
    const taskIds = new Set<string>();
    for (const part of chunk([...new Set(alerts.map((a) => a.alert.dealId))], LIMITS.associationBatchSize)) {
      const res = await http.call('default', () =>
        http.client.crm.associations.v4.batchApi.getPage('deals', 'tasks', {
          inputs: part.map((id) => ({ id })),
        } as never),
      );
      for (const r of res.results) for (const t of r.to) taskIds.add(String(t.toObjectId));
    }
    const found = new Map<string, string>();
    for (const part of chunk([...taskIds], LIMITS.batchSize)) {
      const res = await http.call('default', () =>
        http.client.crm.objects.batchApi.read('tasks', {
          inputs: part.map((id) => ({ id })),
          properties: [ALERT_KEY_PROPERTY],
          propertiesWithHistory: [],
        }),
      );
      for (const r of res.results) {
        const key = r.properties[ALERT_KEY_PROPERTY];
        if (typeof key === 'string' && wanted.has(key) && !found.has(key)) found.set(key, r.id);
      }
    }
    return found;
  }

  /** Tasks that already carry one of `keys` (from an earlier attempt or another worker). */
  async #existingTasks(keys: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const http = this.#o.http;
    for (const part of chunk(keys, LIMITS.searchFilterValues)) {
      let after: string | undefined;
      for (let guard = 0; guard < 100; guard += 1) {
        const res = await http.call('search', () =>
          http.client.crm.objects.searchApi.doSearch('tasks', {
            filterGroups: [
              { filters: [{ propertyName: ALERT_KEY_PROPERTY, operator: 'IN', values: part }] as never },
            ],
            properties: [ALERT_KEY_PROPERTY],
            limit: LIMITS.searchPageSize,
            sorts: ['hs_object_id'],
            after: after ?? '0',
          }),
        );
        for (const r of res.results) {
          const key = r.properties[ALERT_KEY_PROPERTY];
          if (typeof key === 'string' && !found.has(key)) found.set(key, r.id);
        }
        after = res.paging?.next?.after;
        if (after === undefined) break;
      }
    }
    return found;
  }
}
