import { z } from 'zod';
import type { Owner, HealthFieldKey, HealthFieldValues } from '../../src/domain/index.ts';
import { chooseAlertAssignee } from '../shared/alert-assignee.ts';
import type {
  AlertOutcome,
  AlertTask,
  EffectOptions,
  HealthWrite,
  WriteFailure,
  WriteOutcome,
} from '../crm-connector.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { classifySaveError, PERMISSION_SET_HINT } from './salesforce-failure.ts';
import {
  ALERT_KEY_FIELD,
  SALESFORCE_HEALTH_FIELD_NAMES,
  toSalesforceHealthValues,
} from './salesforce-health-fields.ts';
import { SALESFORCE_LIMITS } from './salesforce-limits.ts';
import { RawUserSchema, USER_FIELDS } from './salesforce-records.ts';
import { chunkInClause, inList } from './soql.ts';

/** One sObject Collections result per record, in request order; validated where it enters. */
const SaveResultsSchema = z.array(
  z.object({
    id: z.string().nullable().optional(),
    success: z.boolean(),
    errors: z
      .array(z.object({ statusCode: z.string().optional(), message: z.string().optional() }).loose())
      .optional()
      .default([]),
  }),
);
type SaveResults = z.infer<typeof SaveResultsSchema>;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function collections(
  client: SalesforceClient,
  method: 'PATCH' | 'POST',
  records: Record<string, unknown>[],
  what: string,
  retry: boolean,
  before?: () => Promise<void>,
): Promise<SaveResults> {
  const raw = await client.request<unknown>(
    {
      method,
      url: '/composite/sobjects',
      body: JSON.stringify({ allOrNone: false, records }),
      headers: { 'content-type': 'application/json' },
    },
    what,
    { retry, ...(before === undefined ? {} : { before }) },
  );
  return SaveResultsSchema.parse(raw);
}

function firstError(result: SaveResults[number]): { statusCode: string; message: string } {
  const e = result.errors[0];
  return { statusCode: e?.statusCode ?? 'UNKNOWN_EXCEPTION', message: e?.message ?? 'no error message' };
}

/** Salesforce's field limits for the values we write (Text(64), Long Text(4,000)). */
function clip(values: Record<string, unknown>): Record<string, unknown> {
  const out = { ...values };
  if (typeof out.PH_Reasons__c === 'string') out.PH_Reasons__c = out.PH_Reasons__c.slice(0, 4000);
  if (typeof out.PH_Model_Version__c === 'string')
    out.PH_Model_Version__c = out.PH_Model_Version__c.slice(0, 64);
  return out;
}

/**
 * PATCH /composite/sobjects in batches of 200 with allOrNone false. Writing the same values
 * again is harmless, so failed calls (5xx, timeouts) are retried by the client and per-record
 * retryable errors (row locks, server hiccups) are retried here, a bounded number of times.
 */
export async function writeSalesforceHealth(
  client: SalesforceClient,
  writes: HealthWrite[],
  options: EffectOptions = {},
): Promise<WriteOutcome> {
  const merged = new Map<string, Record<string, unknown>>();
  for (const w of writes)
    merged.set(w.dealId, { ...(merged.get(w.dealId) ?? {}), ...toSalesforceHealthValues(w.values) });
  const written: string[] = [];
  const failed: WriteFailure[] = [];
  let pending = [...merged.entries()].filter(([dealId, values]) => {
    // Nothing to write is nothing to send (callers pass changedHealthFields output).
    if (Object.keys(values).length > 0) return true;
    written.push(dealId);
    return false;
  });
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const retry: [string, Record<string, unknown>][] = [];
    for (const batch of chunks(pending, SALESFORCE_LIMITS.collectionBatchSize)) {
      const records = batch.map(([id, values]) => ({
        attributes: { type: 'Opportunity' },
        id,
        ...clip(values),
      }));
      const guard = options.beforeBatch;
      const results = await collections(
        client,
        'PATCH',
        records,
        'update Opportunity health',
        true,
        guard && (() => guard(batch.map(([id]) => id))),
      );
      batch.forEach(([dealId, values], i) => {
        const result = results[i];
        if (result?.success === true) {
          written.push(dealId);
          return;
        }
        const error =
          result === undefined
            ? { statusCode: 'UNKNOWN_EXCEPTION', message: 'no result' }
            : firstError(result);
        const decision = classifySaveError(error.statusCode);
        if (decision.retryable && attempt < client.attempts()) {
          retry.push([dealId, values]);
          return;
        }
        failed.push({
          dealId,
          code: decision.code,
          message: `${error.statusCode}: ${error.message}${decision.code === 'CRM_PERMISSION' ? ` ${PERMISSION_SET_HINT}` : ''}`,
          retryable: decision.retryable,
        });
      });
    }
    pending = retry;
    if (pending.length > 0) await client.pause(attempt);
  }
  return { written, failed };
}

function description(task: AlertTask): string {
  if (task.body.trim() !== '') return task.body;
  return `${task.alert.reason}\n\nSuggested action: ${task.alert.suggestedAction}`;
}

async function findExisting(
  client: SalesforceClient,
  keys: string[],
  maxUrlLength: number,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const prefix = `SELECT Id, ${ALERT_KEY_FIELD} FROM Task WHERE ${ALERT_KEY_FIELD} IN `;
  for (const chunk of chunkInClause(keys, 120 + encodeURIComponent(prefix).length, maxUrlLength)) {
    for (const row of await client.queryAll(`${prefix}${inList(chunk)}`, {
      what: 'query Task by alert key',
    })) {
      const key = row[ALERT_KEY_FIELD];
      if (typeof key === 'string' && typeof row.Id === 'string' && !found.has(key)) found.set(key, row.Id);
    }
  }
  return found;
}

async function ownersOf(
  client: SalesforceClient,
  dealIds: string[],
  maxUrlLength: number,
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (dealIds.length === 0) return owners;
  const prefix = 'SELECT Id, OwnerId FROM Opportunity WHERE Id IN ';
  for (const chunk of chunkInClause(dealIds, 120 + encodeURIComponent(prefix).length, maxUrlLength)) {
    for (const row of await client.queryAll(`${prefix}${inList(chunk)}`, {
      what: 'query Opportunity owners',
    })) {
      if (typeof row.Id === 'string' && typeof row.OwnerId === 'string') owners.set(row.Id, row.OwnerId);
    }
  }
  return owners;
}

/**
 * The Users among `ids` and their managers (IsActive, ManagerId), so an alert of a deal whose owner
 * left goes to someone who can take it. Users not found are absent (taken as active).
 */
async function usersOf(
  client: SalesforceClient,
  ids: string[],
  maxUrlLength: number,
): Promise<Map<string, Owner>> {
  const users = new Map<string, Owner>();
  const prefix = `SELECT ${USER_FIELDS.join(', ')} FROM User WHERE Id IN `;
  const read = async (wanted: string[]) => {
    for (const chunk of chunkInClause(wanted, 120 + encodeURIComponent(prefix).length, maxUrlLength)) {
      for (const raw of await client.queryAll(`${prefix}${inList(chunk)}`, { what: 'query User' })) {
        const parsed = RawUserSchema.safeParse(raw);
        if (!parsed.success) continue;
        const u = parsed.data;
        users.set(u.Id, {
          id: u.Id,
          name: u.Name,
          email: u.Email,
          team: u.Department,
          ...(typeof u.IsActive === 'boolean' ? { active: u.IsActive } : {}),
          managerId: u.ManagerId ?? null,
        });
      }
    }
  };
  if (ids.length === 0) return users;
  await read(ids);
  // Managers of inactive users, when not read already: one more query.
  const managers = [...users.values()]
    .filter((u) => u.active === false && u.managerId != null && !users.has(u.managerId))
    .map((u) => u.managerId as string);
  if (managers.length > 0) await read([...new Set(managers)]);
  return users;
}

/**
 * Create one Task per alert, idempotent by alert key: existing Tasks with the key are reported,
 * not created again. A create that fails in transit may still have happened, so every retry
 * starts by looking the keys up again (the POST itself is never blindly repeated).
 */
export async function createSalesforceAlertTasks(
  client: SalesforceClient,
  alerts: AlertTask[],
  maxUrlLength: number,
  fallbackOwnerId?: string,
  options: EffectOptions = {},
): Promise<AlertOutcome> {
  const outcome: AlertOutcome = { created: [], existing: [], failed: [], reassigned: [] };
  const byKey = new Map<string, AlertTask>();
  for (const a of alerts) if (!byKey.has(a.key)) byKey.set(a.key, a);
  const missingOwners = [...byKey.values()]
    .filter((a) => a.alert.ownerId === null)
    .map((a) => a.alert.dealId);
  const owners = await ownersOf(client, [...new Set(missingOwners)], maxUrlLength);
  const dealOwner = (task: AlertTask) => task.alert.ownerId ?? owners.get(task.alert.dealId) ?? null;
  // Salesforce refuses a Task assigned to an inactive user (INACTIVE_OWNER_OR_USER): choose who takes it.
  const users = await usersOf(
    client,
    [
      ...new Set([
        ...[...byKey.values()].flatMap((t) => dealOwner(t) ?? []),
        ...(fallbackOwnerId === undefined ? [] : [fallbackOwnerId]),
      ]),
    ],
    maxUrlLength,
  );
  const assignee = new Map<string, string | null>();
  const reported = new Set<string>();
  for (const [key, task] of byKey) {
    const from = dealOwner(task);
    const choice = chooseAlertAssignee(from, users, fallbackOwnerId);
    assignee.set(key, choice.ownerId);
    if (choice.reassignedBecause !== null && from !== null) {
      reported.add(key);
      outcome.reassigned?.push({
        key,
        fromOwnerId: from,
        toOwnerId: choice.ownerId,
        reason: choice.reassignedBecause,
      });
    }
  }
  let pending = [...byKey.keys()];
  // Keys whose create was sent without an answer: found later, they were created by this call.
  const unanswered = new Set<string>();
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const existing = await findExisting(client, pending, maxUrlLength);
    const toCreate: string[] = [];
    for (const key of pending) {
      const taskId = existing.get(key);
      // Reassigned to nobody (no active manager or fallback owner): reported, not created.
      if (taskId === undefined) {
        if (!(reported.has(key) && assignee.get(key) === null)) toCreate.push(key);
      } else if (unanswered.has(key)) outcome.created.push({ key, taskId });
      else if (!outcome.created.some((c) => c.key === key)) outcome.existing.push({ key, taskId });
    }
    const retry: string[] = [];
    for (const batch of chunks(toCreate, SALESFORCE_LIMITS.collectionBatchSize)) {
      const records = batch.map((key) => {
        const ownerId = assignee.get(key) ?? null;
        const task = byKey.get(key) as AlertTask;
        return {
          attributes: { type: 'Task' },
          Subject: task.subject.slice(0, 255),
          Description: description(task),
          ActivityDate: task.dueAt.slice(0, 10),
          Status: 'Not Started',
          Priority: 'Normal',
          WhatId: task.alert.dealId,
          ...(ownerId === null ? {} : { OwnerId: ownerId }),
          [ALERT_KEY_FIELD]: key,
        };
      });
      let results: SaveResults;
      const guard = options.beforeBatch;
      try {
        results = await collections(
          client,
          'POST',
          records,
          'create alert Tasks',
          false,
          guard && (() => guard(batch)),
        );
      } catch (err) {
        const transient = err instanceof Error && 'code' in err && err.code === 'CRM_UNAVAILABLE';
        if (!transient || attempt >= client.attempts()) throw err;
        for (const key of batch) unanswered.add(key);
        retry.push(...batch);
        continue;
      }
      batch.forEach((key, i) => {
        const result = results[i];
        if (result?.success === true && typeof result.id === 'string') {
          outcome.created.push({ key, taskId: result.id });
          return;
        }
        const error =
          result === undefined
            ? { statusCode: 'UNKNOWN_EXCEPTION', message: 'no result' }
            : firstError(result);
        const decision = classifySaveError(error.statusCode);
        // DUPLICATE_VALUE: a unique alert key another worker created meanwhile; the lookup finds it.
        if ((decision.retryable || error.statusCode === 'DUPLICATE_VALUE') && attempt < client.attempts()) {
          retry.push(key);
          return;
        }
        outcome.failed.push({
          key,
          code: decision.code,
          message: `${error.statusCode}: ${error.message}`,
          retryable: decision.retryable,
        });
      });
    }
    pending = retry;
    if (pending.length > 0) await client.pause(attempt);
  }
  return outcome;
}

const NUMBER_KEYS = new Set<HealthFieldKey>(['score', 'winProbability']);
const NULLABLE_KEYS = new Set<HealthFieldKey>(['winProbability', 'trend']);

/**
 * The PH_ values now in Salesforce, 200 ids per query (the write batch size, so one read answers
 * for one interrupted write batch). Datetimes come back as `...+0000` and are normalised to ISO.
 */
export async function readSalesforceHealth(
  client: SalesforceClient,
  dealIds: string[],
): Promise<Map<string, Partial<HealthFieldValues>>> {
  const out = new Map<string, Partial<HealthFieldValues>>();
  const entries = Object.entries(SALESFORCE_HEALTH_FIELD_NAMES) as [HealthFieldKey, string][];
  const select = `SELECT Id, ${entries.map(([, name]) => name).join(', ')} FROM Opportunity WHERE Id IN `;
  for (const chunk of chunks([...new Set(dealIds)], SALESFORCE_LIMITS.collectionBatchSize)) {
    for (const row of await client.queryAll(`${select}${inList(chunk)}`, {
      what: 'query Opportunity health',
    })) {
      if (typeof row.Id !== 'string') continue;
      const values: Record<string, unknown> = {};
      const written =
        row[SALESFORCE_HEALTH_FIELD_NAMES.scoredAt] !== null &&
        row[SALESFORCE_HEALTH_FIELD_NAMES.scoredAt] !== undefined;
      for (const [key, name] of entries) {
        const value = row[name];
        if (value === null || value === undefined) {
          if (written && NULLABLE_KEYS.has(key)) values[key] = null;
          continue;
        }
        if (key === 'scoredAt' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
          values[key] = new Date(value).toISOString();
        } else if (NUMBER_KEYS.has(key) && typeof value === 'number') values[key] = value;
        else if (!NUMBER_KEYS.has(key)) values[key] = String(value);
      }
      out.set(row.Id, values as Partial<HealthFieldValues>);
    }
  }
  return out;
}
