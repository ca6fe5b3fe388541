import type { Activity, Deal, QuarantinedRecord } from '../../src/domain/index.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { SyncPage } from '../crm-connector.ts';
import type { CsvFieldTypes } from './salesforce-bulk-csv.ts';
import type { SalesforceBulkQuery } from './salesforce-bulk-query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { type BulkPosition, notSeen, type SyncPhase, type SyncPosition } from './salesforce-cursor.ts';
import { salesforceErrorCode } from './salesforce-failure.ts';
import { OPPORTUNITY_KEY_PREFIX } from './salesforce-limits.ts';
import { mapAccounts, mapContacts } from './salesforce-mapping.ts';
import {
  ACCOUNT_FIELDS,
  BOOLEAN_FIELDS,
  CONTACT_FIELDS,
  CONTACT_ROLE_FIELDS,
  EMAIL_FIELDS,
  EVENT_RELATION_FIELDS,
  FIELD_HISTORY_FIELDS,
  HISTORY_FIELDS,
  NUMBER_FIELDS,
  OPPORTUNITY_FIELDS,
  TASK_FIELDS,
  TRACKED_FIELDS,
} from './salesforce-records.ts';
import { afterPosition, inList } from './soql.ts';

type RawRecord = Record<string, unknown>;

/** How the connector uses Bulk API 2.0 (connector options, documented there). */
export interface BulkSyncSettings {
  /** Opportunities from which a full sync goes through Bulk API 2.0. */
  threshold: number;
  query: SalesforceBulkQuery;
}

/** What the bulk sync borrows from the REST pull (same mapping, same field lists). */
export interface BulkSyncHelpers {
  signal: AbortSignal | undefined;
  at(): string;
  taskFields(): Promise<string[]>;
  eventFields(): string[];
  mapDeals(
    records: RawRecord[],
    related: { history: RawRecord[]; fieldHistory: RawRecord[]; roles: RawRecord[] },
    knownStages: ReadonlySet<string> | null,
  ): { deals: Deal[]; quarantined: QuarantinedRecord[] };
  activitiesFrom(
    tasks: RawRecord[],
    events: RawRecord[],
    emails: RawRecord[],
    relations: RawRecord[] | null,
  ): Promise<{ activities: Activity[]; quarantined: QuarantinedRecord[] }>;
}

/** The pull's state that the bulk sync reads. */
export interface BulkSyncContext {
  client: SalesforceClient;
  logger: Logger;
  extraFields: readonly string[];
  pageSize: number;
  knownStages(): Promise<ReadonlySet<string> | null>;
  missingObjects: Set<string>;
}

/** One bulk-read object: the query (with an optional keyset start) and how its rows become a page. */
interface PhaseSpec {
  object: string;
  soql(after: SyncPosition | null): string;
  types: CsvFieldTypes;
  build(records: RawRecord[]): Promise<Omit<SyncPage, 'cursor'>>;
}

interface PhasePage {
  page: Omit<SyncPage, 'cursor'>;
  position: SyncPosition | null;
  bulk: BulkPosition | null;
}

/**
 * Activities of existing opportunities only (a dangling WhatId is left out, as the REST pull's
 * per-page id lists leave it out). A semi-join: Salesforce allows two per WHERE clause and
 * polymorphic lookups (WhatId) on the left; Task and Event cannot be the subquery's object.
 */
const ON_OPPORTUNITIES = (field: string) => `${field} IN (SELECT Id FROM Opportunity)`;
const OF_OPPORTUNITY_ACCOUNTS = (field: string) => `${field} IN (SELECT AccountId FROM Opportunity)`;

const BASE_TYPES: CsvFieldTypes = { numbers: NUMBER_FIELDS, booleans: BOOLEAN_FIELDS };
const NUMBER_TYPES = new Set(['double', 'currency', 'percent', 'int', 'long']);

function emptyPage(): Omit<SyncPage, 'cursor'> {
  return { deals: [], activities: [], contacts: [], accounts: [], deletedDealIds: [], quarantined: [] };
}

/**
 * A bulk query: no ORDER BY, which disables PK chunking and can make large jobs time out (Bulk API
 * 2.0 guide, Troubleshooting Query Timeouts). Rows therefore come in no particular order: a
 * resumed run continues the same job by its locator, and a fresh job reads the whole phase again.
 * `after` only narrows the job when a cursor from an older, ordered job is resumed.
 */
function select(fields: readonly string[], object: string, conditions: string[], after: SyncPosition | null) {
  const where = after === null ? conditions : [...conditions, afterPosition(after)];
  return `SELECT ${fields.join(', ')} FROM ${object}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`;
}

function onOpportunity(field: string): (r: RawRecord) => boolean {
  return (r) => {
    const id = r[field];
    return typeof id === 'string' && id.startsWith(OPPORTUNITY_KEY_PREFIX);
  };
}

/**
 * A full sync through Bulk API 2.0: one query job per object (Opportunity, Task, Event,
 * EmailMessage, Contact, Account), each results page one SyncPage, the cursor keeping the job id
 * and the next locator. The small tables deals and meetings need whole (OpportunityHistory,
 * OpportunityFieldHistory, OpportunityContactRole, EventRelation) are read once per run into
 * memory. Emails bring their Task through the `Activity` lookup, and the Task job leaves those
 * Tasks out (anti-join), so an email is one activity as in the REST pull.
 */
export class BulkFullSync {
  private readonly ctx: BulkSyncContext;
  private readonly settings: BulkSyncSettings;
  private readonly helpers: BulkSyncHelpers;
  private related: Promise<{ history: RawRecord[]; fieldHistory: RawRecord[]; roles: RawRecord[] }> | null =
    null;
  private relationsByEvent: Promise<Map<string, RawRecord[]> | null> | null = null;

  constructor(ctx: BulkSyncContext, settings: BulkSyncSettings, helpers: BulkSyncHelpers) {
    this.ctx = ctx;
    this.settings = settings;
    this.helpers = helpers;
  }

  async *phasePages(
    phase: SyncPhase,
    after: SyncPosition | null,
    resume: BulkPosition | null,
  ): AsyncGenerator<PhasePage> {
    const spec = await this.spec(phase);
    if (spec === null) return;
    const query = this.settings.query;
    const what = `${spec.object} full sync`;
    let jobId: string;
    let locator: string | null;
    if (resume !== null) {
      ({ jobId, locator } = resume);
    } else {
      try {
        jobId = await query.start(spec.soql(after), what);
        await query.waitFor(jobId, what);
      } catch (err) {
        if (salesforceErrorCode(err) !== 'INVALID_TYPE' || spec.object === 'Opportunity') throw err;
        // An object this org lacks (EmailMessage without Enhanced Email): the sync goes on without it.
        this.ctx.missingObjects.add(spec.object === 'Task' ? 'EmailMessage' : spec.object);
        yield* this.phasePages(phase, after, null);
        return;
      }
      locator = null;
    }
    const fresh = notSeen(after);
    for (;;) {
      let page: Awaited<ReturnType<SalesforceBulkQuery['page']>>;
      try {
        page = await query.page(jobId, locator, spec.types, what);
      } catch (err) {
        // Salesforce deletes jobs 7 days after they finish. Unordered rows leave no keyset to continue
        // from, so the phase starts again with a new job: pages already stored come again (the store
        // replaces records by id), none is lost.
        if (salesforceErrorCode(err) !== 'NOT_FOUND' || resume === null) throw err;
        this.ctx.logger.info(
          { crm: 'salesforce', object: spec.object, jobId },
          'bulk query job expired; reading the phase again with a new job',
        );
        yield* this.phasePages(phase, null, null);
        return;
      }
      this.helpers.signal?.throwIfAborted();
      const records = page.records.filter(fresh);
      yield {
        page: await spec.build(records),
        // The job's rows are unordered: no keyset position (the job and locator say where we are).
        position: null,
        bulk: page.next === null ? null : { jobId, locator: page.next },
      };
      if (page.next === null) return;
      locator = page.next;
    }
  }

  private async spec(phase: SyncPhase): Promise<PhaseSpec | null> {
    const missing = this.ctx.missingObjects;
    switch (phase) {
      case 'opportunities': {
        const fields = [...new Set([...OPPORTUNITY_FIELDS, ...this.ctx.extraFields])];
        const types = await this.opportunityTypes();
        return {
          object: 'Opportunity',
          soql: (after) => select(fields, 'Opportunity', [], after),
          types,
          build: async (records) => {
            const [related, knownStages] = await Promise.all([this.relatedTables(), this.ctx.knownStages()]);
            const { deals, quarantined } = this.helpers.mapDeals(records, related, knownStages);
            return { ...emptyPage(), deals, quarantined };
          },
        };
      }
      case 'tasks': {
        const fields = await this.helpers.taskFields();
        // Semi-join: only activities of opportunities that exist, as the REST pull (by page ids) reads.
        const conditions = [ON_OPPORTUNITIES('WhatId')];
        // Tasks that Salesforce keeps for an EmailMessage come with their email (emails phase).
        if (!missing.has('EmailMessage'))
          conditions.push(
            'Id NOT IN (SELECT ActivityId FROM EmailMessage WHERE RelatedToId != null AND ActivityId != null)',
          );
        return {
          object: 'Task',
          soql: (after) => select(fields, 'Task', conditions, after),
          types: BASE_TYPES,
          build: (records) => this.activities(records.filter(onOpportunity('WhatId')), [], [], []),
        };
      }
      case 'events': {
        const fields = this.helpers.eventFields();
        return {
          object: 'Event',
          soql: (after) => select(fields, 'Event', [ON_OPPORTUNITIES('WhatId')], after),
          types: BASE_TYPES,
          build: async (records) => {
            const events = records.filter(onOpportunity('WhatId'));
            const byEvent = await this.eventRelations();
            const relations = byEvent === null ? [] : events.flatMap((e) => byEvent.get(String(e.Id)) ?? []);
            return this.activities([], events, [], relations);
          },
        };
      }
      case 'emails': {
        if (missing.has('EmailMessage')) return null;
        // The email's Task (owner, contact, subject) through the Activity lookup: no second query.
        const fields = [...EMAIL_FIELDS, ...TASK_FIELDS.map((f) => `Activity.${f}`)];
        return {
          object: 'EmailMessage',
          soql: (after) => select(fields, 'EmailMessage', [ON_OPPORTUNITIES('RelatedToId')], after),
          types: BASE_TYPES,
          build: (records) => {
            const emails = records.filter(onOpportunity('RelatedToId'));
            const tasks = emails
              .map((e) => e.Activity)
              .filter((t): t is RawRecord => t !== null && typeof t === 'object');
            return this.activities(tasks, [], emails, []);
          },
        };
      }
      case 'contacts':
        return {
          object: 'Contact',
          // Contacts at the accounts that have opportunities, not every contact of the org (orgs
          // often hold far more contacts than deals ever touch); the REST pull reads those it meets.
          soql: (after) => select(CONTACT_FIELDS, 'Contact', [OF_OPPORTUNITY_ACCOUNTS('AccountId')], after),
          types: BASE_TYPES,
          build: async (records) => {
            const { valid, quarantined } = mapContacts(records, this.helpers.at());
            return { ...emptyPage(), contacts: valid, quarantined };
          },
        };
      case 'accounts':
        return {
          object: 'Account',
          soql: (after) => select(ACCOUNT_FIELDS, 'Account', [OF_OPPORTUNITY_ACCOUNTS('Id')], after),
          types: BASE_TYPES,
          build: async (records) => {
            const { valid, quarantined } = mapAccounts(records, this.helpers.at());
            return { ...emptyPage(), accounts: valid, quarantined };
          },
        };
      case 'deletions':
        return null;
    }
  }

  private async activities(
    tasks: RawRecord[],
    events: RawRecord[],
    emails: RawRecord[],
    relations: RawRecord[],
  ): Promise<Omit<SyncPage, 'cursor'>> {
    const built = await this.helpers.activitiesFrom(tasks, events, emails, relations);
    return { ...emptyPage(), activities: built.activities, quarantined: built.quarantined };
  }

  /** Custom fields' CSV types from Opportunity's describe (one call, only when there are any). */
  private async opportunityTypes(): Promise<CsvFieldTypes> {
    if (this.ctx.extraFields.length === 0) return BASE_TYPES;
    const described = await this.ctx.client.request<{ fields?: { name: string; type: string }[] }>(
      { method: 'GET', url: '/sobjects/Opportunity/describe' },
      'describe Opportunity',
    );
    const numbers = new Set(NUMBER_FIELDS);
    const booleans = new Set(BOOLEAN_FIELDS);
    for (const f of described.fields ?? []) {
      if (!this.ctx.extraFields.includes(f.name)) continue;
      if (NUMBER_TYPES.has(f.type)) numbers.add(f.name);
      if (f.type === 'boolean') booleans.add(f.name);
    }
    return { numbers, booleans };
  }

  /** History, field history and contact roles of every opportunity, read once per run (three jobs at once). */
  private relatedTables() {
    this.related ??= (async () => {
      const query = this.settings.query;
      const [history, fieldHistory, roles] = await Promise.all([
        query.all(
          `SELECT ${HISTORY_FIELDS.join(', ')} FROM OpportunityHistory`,
          BASE_TYPES,
          'OpportunityHistory',
        ),
        query.all(
          `SELECT ${FIELD_HISTORY_FIELDS.join(', ')} FROM OpportunityFieldHistory WHERE Field IN ${inList([...TRACKED_FIELDS])}`,
          BASE_TYPES,
          'OpportunityFieldHistory',
        ),
        query.all(
          `SELECT ${CONTACT_ROLE_FIELDS.join(', ')} FROM OpportunityContactRole`,
          BASE_TYPES,
          'OpportunityContactRole',
        ),
      ]);
      return { history, fieldHistory, roles };
    })().catch((err: unknown) => {
      this.related = null;
      throw err;
    });
    return this.related;
  }

  /** EventRelation rows by EventId, read once per run; null when the org has no EventRelation. */
  private eventRelations() {
    this.relationsByEvent ??= (async () => {
      if (this.ctx.missingObjects.has('EventRelation')) return null;
      let rows: RawRecord[];
      try {
        rows = await this.settings.query.all(
          `SELECT ${EVENT_RELATION_FIELDS.join(', ')} FROM EventRelation`,
          BASE_TYPES,
          'EventRelation',
        );
      } catch (err) {
        if (salesforceErrorCode(err) !== 'INVALID_TYPE') throw err;
        this.ctx.missingObjects.add('EventRelation');
        return null;
      }
      const byEvent = new Map<string, RawRecord[]>();
      for (const row of rows) {
        const id = String(row.EventId);
        const list = byEvent.get(id);
        if (list === undefined) byEvent.set(id, [row]);
        else list.push(row);
      }
      return byEvent;
    })().catch((err: unknown) => {
      this.relationsByEvent = null;
      throw err;
    });
    return this.relationsByEvent;
  }
}
