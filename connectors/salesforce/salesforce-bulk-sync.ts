import type { Activity, Deal, QuarantinedRecord } from '../../src/domain/index.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { SyncPage } from '../crm-connector.ts';
import type { CsvFieldTypes } from './salesforce-bulk-csv.ts';
import type { SalesforceBulkQuery } from './salesforce-bulk-query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { type BulkPosition, notSeen, type SyncPhase, type SyncPosition } from './salesforce-cursor.ts';
import { salesforceErrorCode } from './salesforce-failure.ts';
import { OPPORTUNITY_KEY_PREFIX } from './salesforce-limits.ts';
import type { FullSyncReadPlan } from '../crm-connector.ts';
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
import type { ReadCostSettings } from './salesforce-read-plan.ts';
import { afterPosition, inList, soqlString } from './soql.ts';

type RawRecord = Record<string, unknown>;

/** How the connector uses Bulk API 2.0 (connector options, documented there). */
export interface BulkSyncSettings {
  /** Opportunities from which a full sync counts each object's rows to plan its reads. */
  threshold: number;
  query: SalesforceBulkQuery;
  /** The cost model's settings (salesforce-read-plan.ts). */
  costs: ReadCostSettings;
  /** 'cheaper': each object by REST or bulk job, whichever costs fewer calls; 'always': every object by bulk job. */
  choice: 'cheaper' | 'always';
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

/** One object read in its own phase: the query's parts and how its rows become a page. */
interface PhaseSpec {
  object: string;
  fields: readonly string[];
  conditions: string[];
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

/**
 * The REST form of a phase's query: Id order, so a resumed run continues after the last stored Id
 * (no query locator survives a crash). ORDER BY is fine for REST queries; only bulk jobs avoid it.
 */
function restSelect(fields: readonly string[], object: string, conditions: string[], afterId: string | null) {
  const where = afterId === null ? conditions : [...conditions, `Id > ${soqlString(afterId)}`];
  return `${select(fields, object, where, null)} ORDER BY Id ASC`;
}

/** A REST-read phase's position: only the Id counts (Id order); the time is a placeholder. */
const idPosition = (id: string): SyncPosition => ({ modstamp: new Date(0).toISOString(), id });

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
  readonly #ctx: BulkSyncContext;
  readonly #settings: BulkSyncSettings;
  readonly #helpers: BulkSyncHelpers;
  #related: Promise<{ history: RawRecord[]; fieldHistory: RawRecord[]; roles: RawRecord[] }> | null = null;
  #relationsByEvent: Promise<Map<string, RawRecord[]> | null> | null = null;
  /** How each object is read in this full sync (absent: by bulk job). */
  #via = new Map<string, 'rest' | 'bulk'>();

  constructor(ctx: BulkSyncContext, settings: BulkSyncSettings, helpers: BulkSyncHelpers) {
    this.#ctx = ctx;
    this.#settings = settings;
    this.#helpers = helpers;
  }

  /** Read the objects as `plan` says (undefined: every one by bulk job, as before plans). */
  usePlan(plan: FullSyncReadPlan | undefined): void {
    this.#via = new Map((plan?.objects ?? []).map((o) => [o.object, o.via]));
  }

  /**
   * Every object this full sync reads, as a COUNT() query of the rows it reads: the phases'
   * objects and the tables read whole. Lazily, so an object found missing while counting (the
   * caller records it) shapes the queries after it: emails come before tasks, whose query leaves
   * out the Tasks of emails only where EmailMessage exists.
   */
  async *countedObjects(): AsyncGenerator<{ object: string; soql: string }> {
    for (const phase of ['opportunities', 'emails', 'tasks', 'events', 'contacts', 'accounts'] as const) {
      const spec = await this.#spec(phase);
      if (spec !== null)
        yield { object: spec.object, soql: select(['COUNT()'], spec.object, spec.conditions, null) };
    }
    for (const { object, soql } of this.#wholeTables()) yield { object, soql: soql(['COUNT()']) };
  }

  async *phasePages(
    phase: SyncPhase,
    after: SyncPosition | null,
    resume: BulkPosition | null,
  ): AsyncGenerator<PhasePage> {
    const spec = await this.#spec(phase);
    if (spec === null) return;
    if (this.#via.get(spec.object) === 'rest') {
      yield* this.#restPages(phase, spec, after);
      return;
    }
    const query = this.#settings.query;
    const what = `${spec.object} full sync`;
    let jobId: string;
    let locator: string | null;
    if (resume !== null) {
      ({ jobId, locator } = resume);
    } else {
      try {
        jobId = await query.start(select(spec.fields, spec.object, spec.conditions, after), what);
        await query.waitFor(jobId, what);
      } catch (err) {
        if (salesforceErrorCode(err) !== 'INVALID_TYPE' || spec.object === 'Opportunity') throw err;
        // An object this org lacks (EmailMessage without Enhanced Email): the sync goes on without it.
        this.#ctx.missingObjects.add(spec.object === 'Task' ? 'EmailMessage' : spec.object);
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
        this.#ctx.logger.info(
          { crm: 'salesforce', object: spec.object, jobId },
          'bulk query job expired; reading the phase again with a new job',
        );
        yield* this.phasePages(phase, null, null);
        return;
      }
      this.#helpers.signal?.throwIfAborted();
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

  /** A phase read by REST queries (the plan found it cheaper): Id order, one page per batch. */
  async *#restPages(
    phase: SyncPhase,
    spec: PhaseSpec,
    after: SyncPosition | null,
  ): AsyncGenerator<PhasePage> {
    let lastId = after?.id ?? null;
    const soql = restSelect(spec.fields, spec.object, spec.conditions, lastId);
    try {
      for await (const batch of this.#ctx.client.query(soql, {
        what: `query ${spec.object}`,
        batchSize: this.#ctx.pageSize,
      })) {
        this.#helpers.signal?.throwIfAborted();
        const last = batch.records.at(-1)?.Id;
        if (typeof last === 'string') lastId = last;
        yield {
          page: await spec.build(batch.records),
          position: lastId === null ? null : idPosition(lastId),
          bulk: null,
        };
      }
    } catch (err) {
      if (salesforceErrorCode(err) !== 'INVALID_TYPE' || spec.object === 'Opportunity') throw err;
      // An object this org lacks (EmailMessage without Enhanced Email): the sync goes on without it.
      this.#ctx.missingObjects.add(spec.object === 'Task' ? 'EmailMessage' : spec.object);
      yield* this.phasePages(phase, after, null);
    }
  }

  /** Every row of a table read whole: by REST queries or one bulk job, as planned. */
  #readWhole(object: string, soql: string): Promise<RawRecord[]> {
    if (this.#via.get(object) === 'rest') return this.#ctx.client.queryAll(soql, { what: `query ${object}` });
    return this.#settings.query.all(soql, BASE_TYPES, object);
  }

  /** The tables a full sync reads whole into memory (small beside the deals they belong to). */
  #wholeTables(): { object: string; soql: (fields: readonly string[]) => string }[] {
    const tables = [
      {
        object: 'OpportunityHistory',
        soql: (f: readonly string[]) => `SELECT ${f.join(', ')} FROM OpportunityHistory`,
      },
      {
        object: 'OpportunityFieldHistory',
        soql: (f: readonly string[]) =>
          `SELECT ${f.join(', ')} FROM OpportunityFieldHistory WHERE Field IN ${inList([...TRACKED_FIELDS])}`,
      },
      {
        object: 'OpportunityContactRole',
        soql: (f: readonly string[]) => `SELECT ${f.join(', ')} FROM OpportunityContactRole`,
      },
    ];
    if (!this.#ctx.missingObjects.has('EventRelation'))
      tables.push({ object: 'EventRelation', soql: (f) => `SELECT ${f.join(', ')} FROM EventRelation` });
    return tables;
  }

  async #spec(phase: SyncPhase): Promise<PhaseSpec | null> {
    const missing = this.#ctx.missingObjects;
    switch (phase) {
      case 'opportunities': {
        const fields = [...new Set([...OPPORTUNITY_FIELDS, ...this.#ctx.extraFields])];
        const types = await this.#opportunityTypes();
        return {
          object: 'Opportunity',
          fields,
          conditions: [],
          types,
          build: async (records) => {
            const [related, knownStages] = await Promise.all([
              this.#relatedTables(),
              this.#ctx.knownStages(),
            ]);
            const { deals, quarantined } = this.#helpers.mapDeals(records, related, knownStages);
            return { ...emptyPage(), deals, quarantined };
          },
        };
      }
      case 'tasks': {
        const fields = await this.#helpers.taskFields();
        // Semi-join: only activities of opportunities that exist, as the REST pull (by page ids) reads.
        const conditions = [ON_OPPORTUNITIES('WhatId')];
        // Tasks that Salesforce keeps for an EmailMessage come with their email (emails phase).
        if (!missing.has('EmailMessage'))
          conditions.push(
            'Id NOT IN (SELECT ActivityId FROM EmailMessage WHERE RelatedToId != null AND ActivityId != null)',
          );
        return {
          object: 'Task',
          fields,
          conditions,
          types: BASE_TYPES,
          build: (records) => this.#activities(records.filter(onOpportunity('WhatId')), [], [], []),
        };
      }
      case 'events': {
        const fields = this.#helpers.eventFields();
        return {
          object: 'Event',
          fields,
          conditions: [ON_OPPORTUNITIES('WhatId')],
          types: BASE_TYPES,
          build: async (records) => {
            const events = records.filter(onOpportunity('WhatId'));
            const byEvent = await this.#eventRelations();
            const relations = byEvent === null ? [] : events.flatMap((e) => byEvent.get(String(e.Id)) ?? []);
            return this.#activities([], events, [], relations);
          },
        };
      }
      case 'emails': {
        if (missing.has('EmailMessage')) return null;
        // The email's Task (owner, contact, subject) through the Activity lookup: no second query.
        const fields = [...EMAIL_FIELDS, ...TASK_FIELDS.map((f) => `Activity.${f}`)];
        return {
          object: 'EmailMessage',
          fields,
          conditions: [ON_OPPORTUNITIES('RelatedToId')],
          types: BASE_TYPES,
          build: (records) => {
            const emails = records.filter(onOpportunity('RelatedToId'));
            const tasks = emails
              .map((e) => e.Activity)
              .filter((t): t is RawRecord => t !== null && typeof t === 'object');
            return this.#activities(tasks, [], emails, []);
          },
        };
      }
      case 'contacts':
        return {
          object: 'Contact',
          // Contacts at the accounts that have opportunities, not every contact of the org (orgs
          // often hold far more contacts than deals ever touch); the REST pull reads those it meets.
          fields: CONTACT_FIELDS,
          conditions: [OF_OPPORTUNITY_ACCOUNTS('AccountId')],
          types: BASE_TYPES,
          build: async (records) => {
            const { valid, quarantined } = mapContacts(records, this.#helpers.at());
            return { ...emptyPage(), contacts: valid, quarantined };
          },
        };
      case 'accounts':
        return {
          object: 'Account',
          fields: ACCOUNT_FIELDS,
          conditions: [OF_OPPORTUNITY_ACCOUNTS('Id')],
          types: BASE_TYPES,
          build: async (records) => {
            const { valid, quarantined } = mapAccounts(records, this.#helpers.at());
            return { ...emptyPage(), accounts: valid, quarantined };
          },
        };
      case 'deletions':
        return null;
    }
  }

  async #activities(
    tasks: RawRecord[],
    events: RawRecord[],
    emails: RawRecord[],
    relations: RawRecord[],
  ): Promise<Omit<SyncPage, 'cursor'>> {
    const built = await this.#helpers.activitiesFrom(tasks, events, emails, relations);
    return { ...emptyPage(), activities: built.activities, quarantined: built.quarantined };
  }

  /** Custom fields' CSV types from Opportunity's describe (one call, only when there are any). */
  async #opportunityTypes(): Promise<CsvFieldTypes> {
    if (this.#ctx.extraFields.length === 0) return BASE_TYPES;
    const described = await this.#ctx.client.request<{ fields?: { name: string; type: string }[] }>(
      { method: 'GET', url: '/sobjects/Opportunity/describe' },
      'describe Opportunity',
    );
    const numbers = new Set(NUMBER_FIELDS);
    const booleans = new Set(BOOLEAN_FIELDS);
    for (const f of described.fields ?? []) {
      if (!this.#ctx.extraFields.includes(f.name)) continue;
      if (NUMBER_TYPES.has(f.type)) numbers.add(f.name);
      if (f.type === 'boolean') booleans.add(f.name);
    }
    return { numbers, booleans };
  }

  /** History, field history and contact roles of every opportunity, read once per run (three reads at once). */
  #relatedTables() {
    this.#related ??= (async () => {
      const whole = new Map(this.#wholeTables().map((t) => [t.object, t.soql]));
      const read = (object: string, fields: readonly string[]) => {
        const soql = whole.get(object);
        if (soql === undefined) throw new Error(`${object} is not read whole`);
        return this.#readWhole(object, soql(fields));
      };
      const [history, fieldHistory, roles] = await Promise.all([
        read('OpportunityHistory', HISTORY_FIELDS),
        read('OpportunityFieldHistory', FIELD_HISTORY_FIELDS),
        read('OpportunityContactRole', CONTACT_ROLE_FIELDS),
      ]);
      return { history, fieldHistory, roles };
    })().catch((err: unknown) => {
      this.#related = null;
      throw err;
    });
    return this.#related;
  }

  /** EventRelation rows by EventId, read once per run; null when the org has no EventRelation. */
  #eventRelations() {
    this.#relationsByEvent ??= (async () => {
      if (this.#ctx.missingObjects.has('EventRelation')) return null;
      let rows: RawRecord[];
      try {
        rows = await this.#readWhole(
          'EventRelation',
          `SELECT ${EVENT_RELATION_FIELDS.join(', ')} FROM EventRelation`,
        );
      } catch (err) {
        if (salesforceErrorCode(err) !== 'INVALID_TYPE') throw err;
        this.#ctx.missingObjects.add('EventRelation');
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
      this.#relationsByEvent = null;
      throw err;
    });
    return this.#relationsByEvent;
  }
}
