import type { Account, Activity, Contact, Deal, QuarantinedRecord } from '../../src/domain/index.ts';
import { AppError, isAppError } from '../../src/shared/app-error.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { FullSyncReadPlan, ObjectReadEstimate, PullOptions, SyncPage } from '../crm-connector.ts';
import { BulkFullSync, type BulkSyncSettings } from './salesforce-bulk-sync.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import {
  type BulkPosition,
  decodeCursor,
  encodeCursor,
  notSeen,
  phasesFor,
  positionOf,
  type SyncCursor,
  type SyncMode,
  type SyncPhase,
  type SyncPosition,
} from './salesforce-cursor.ts';
import { salesforceErrorCode } from './salesforce-failure.ts';
import { estimateRead, readPlan } from './salesforce-read-plan.ts';
import { ALERT_KEY_FIELD } from './salesforce-health-fields.ts';
import { CONTACT_KEY_PREFIX, OPPORTUNITY_KEY_PREFIX, SALESFORCE_PIPELINE_ID } from './salesforce-limits.ts';
import {
  buildActivities,
  mapAccounts,
  mapContacts,
  mapOpportunity,
  parseRecords,
} from './salesforce-mapping.ts';
import {
  ACCOUNT_FIELDS,
  CONTACT_FIELDS,
  CONTACT_ROLE_FIELDS,
  EMAIL_FIELDS,
  EVENT_FIELDS,
  EVENT_RELATION_FIELDS,
  FIELD_HISTORY_FIELDS,
  HISTORY_FIELDS,
  OPPORTUNITY_FIELDS,
  RawContactRoleSchema,
  RawEmailSchema,
  RawEventRelationSchema,
  RawEventSchema,
  RawFieldHistorySchema,
  RawHistorySchema,
  RawTaskSchema,
  TASK_FIELDS,
  TRACKED_FIELDS,
} from './salesforce-records.ts';
import { afterPosition, chunkInClause, inList, soqlDateTime, soqlString } from './soql.ts';

/** What the pull needs from its connector; state that outlives one pull lives here. */
export interface PullContext {
  client: SalesforceClient;
  logger: Logger;
  extraFields: readonly string[];
  /** Event field holding a meeting outcome picklist (e.g. a custom `Meeting_Outcome__c`); null: from time. */
  eventOutcomeField: string | null;
  lookbackMs: number;
  maxQueryUrlLength: number;
  concurrency: number;
  /** Records per page (the batch size of the opportunity and activity queries), 200..2,000. */
  pageSize: number;
  /** Stage API names (cached per connector); null when OpportunityStage cannot be read. */
  knownStages(): Promise<ReadonlySet<string> | null>;
  /** Objects this org turned out not to have (EmailMessage, EventRelation, ...). */
  missingObjects: Set<string>;
  /** Whether Task.PH_Alert_Key__c is readable: unknown until the first Task query tries it. */
  alertKeyReadable: { value: boolean | null };
  /** Bulk API 2.0 for large full syncs; null: REST only. */
  bulk: BulkSyncSettings | null;
}

/** One page a phase produced, with the positions to store in the cursor after it. */
export interface PhasePage {
  page: Omit<SyncPage, 'cursor'>;
  position: SyncPosition | null;
  /** Bulk API phases: the job and the next results page (null once the job is read to the end). */
  bulk?: BulkPosition | null;
}

type RawRecord = Record<string, unknown>;

/** A page of a REST full sync: opportunity Ids after `after` (exclusive) up to `upTo` (inclusive). */
interface IdRange {
  after: string | null;
  upTo: string;
}

const FIXED_URL_OVERHEAD = 120;
/** Fresh queries after expired locators, per phase, before giving up. */
const MAX_LOCATOR_RESTARTS = 3;

function emptyPage(cursor: string): SyncPage {
  return {
    deals: [],
    activities: [],
    contacts: [],
    accounts: [],
    deletedDealIds: [],
    quarantined: [],
    cursor,
  };
}

/**
 * Run `fn` over `items` with at most `limit` running at once; results keep input order. After the
 * first failure no new item starts, and the failure is thrown only once the running ones settled:
 * nothing keeps calling Salesforce in the background after a pull has failed.
 */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index] as T);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failure;
  return results;
}

/** One Salesforce pull run: phases in order, one page per query batch, the cursor advancing with each page. */
export class SalesforcePull {
  readonly #ctx: PullContext;
  readonly #signal: AbortSignal | undefined;
  readonly #at: string;

  readonly #skipAll: boolean;
  readonly #bulkSync: BulkFullSync | null;
  /**
   * A REST full sync started by this version pages opportunities by Id and reads each page's
   * related records with one semi-join per object over the page's Id range. Cursors written
   * before (no `mode`) page by SystemModstamp with IN lists, and are resumed that way.
   */
  #idOrderedFullSync = false;

  constructor(ctx: PullContext, options: PullOptions = {}) {
    this.#ctx = ctx;
    this.#signal = options.signal;
    this.#bulkSync =
      ctx.bulk === null
        ? null
        : new BulkFullSync(ctx, ctx.bulk, {
            signal: options.signal,
            at: () => this.#at,
            taskFields: () => this.taskFields(),
            eventFields: () => this.eventFields(),
            mapDeals: (records, related, knownStages) => this.mapDeals(records, related, knownStages),
            activitiesFrom: (tasks, events, emails, relations) =>
              this.#activitiesFrom(tasks, events, emails, relations),
          });
    const pipelines = options.pipelines ?? [];
    this.#skipAll = pipelines.length > 0 && !pipelines.includes(SALESFORCE_PIPELINE_ID);
    this.#at = ctx.client.now().toISOString();
  }

  async *run(cursorText: string | null): AsyncGenerator<SyncPage> {
    let state: Extract<SyncCursor, { state: 'running' }>;
    if (cursorText === null) {
      state = { v: 1, state: 'running', since: null, phase: 'opportunities', after: null, nextSince: '' };
    } else {
      const decoded = decodeCursor(cursorText);
      if ('error' in decoded)
        throw new AppError('INTERNAL', `Salesforce sync cursor is unusable: ${decoded.error}`);
      state =
        decoded.state === 'done'
          ? {
              v: 1,
              state: 'running',
              since: decoded.nextSince,
              phase: 'opportunities',
              after: null,
              nextSince: '',
            }
          : decoded;
    }
    if (this.#skipAll) {
      // This tenant scores other pipelines only: Salesforce's one pipeline is not among them.
      yield emptyPage(
        encodeCursor({ v: 1, state: 'done', nextSince: state.since ?? new Date(0).toISOString() }),
      );
      return;
    }
    const startMarker = state.nextSince === '' ? this.#ctx.client.markFirstAnswer() : null;
    if (state.since === null && state.mode === undefined) {
      const chosen = await this.#fullSyncPlan();
      state = { ...state, mode: chosen.mode, ...(chosen.plan === undefined ? {} : { plan: chosen.plan }) };
    }
    const mode: SyncMode = state.mode ?? 'rest';
    this.#bulkSync?.usePlan(state.plan);
    // Each run of a full sync reports its plan (a resumed one, the plan it resumes).
    let planToReport = state.since === null ? state.plan : undefined;
    this.#idOrderedFullSync = state.since === null && state.mode === 'rest';
    const phases = phasesFor(state.since, mode);
    for (const phase of phases.slice(Math.max(0, phases.indexOf(state.phase)))) {
      let after = phase === state.phase ? state.after : null;
      let bulk = phase === state.phase ? (state.bulk ?? null) : null;
      for (let restarts = 0; ; restarts += 1) {
        try {
          const pages =
            mode === 'bulk' && this.#bulkSync !== null
              ? this.#bulkSync.phasePages(phase, after, bulk)
              : this.#phasePages(phase, state.since, after);
          for await (const page of pages) {
            // The next run starts from the server's time at this run's first answer, minus the lookback.
            if (state.nextSince === '') state.nextSince = this.#lowerBoundForNextRun(startMarker);
            after = page.position ?? after;
            bulk = page.bulk ?? null;
            state = { ...state, phase, after, ...(mode === 'bulk' ? { bulk } : {}) };
            const plan = planToReport;
            planToReport = undefined;
            yield {
              ...page.page,
              cursor: encodeCursor(state),
              ...(plan === undefined ? {} : { readPlan: plan }),
            };
          }
          break;
        } catch (err) {
          // Query locators expire after 15 idle minutes (a slow consumer, a slow org): the keyset
          // position makes a fresh query continue exactly after the last stored page.
          if (salesforceErrorCode(err) !== 'INVALID_QUERY_LOCATOR' || restarts >= MAX_LOCATOR_RESTARTS)
            throw err;
          this.#ctx.logger.info(
            { crm: 'salesforce', phase },
            'query locator expired; re-querying from the cursor',
          );
          bulk = null;
        }
      }
      state = { ...state, after: null, ...(mode === 'bulk' ? { bulk: null } : {}) };
    }
    if (state.nextSince === '') state.nextSince = this.#lowerBoundForNextRun(startMarker);
    yield emptyPage(encodeCursor({ v: 1, state: 'done', nextSince: state.nextSince }));
  }

  /**
   * How a full sync reads: one COUNT() of opportunities; below the threshold, REST pages of
   * opportunities with their related records (no more counting). From it, one COUNT() per object
   * and each object read the way that costs fewer calls (salesforce-read-plan.ts), each in its own
   * phase (`mode: 'bulk'`, whose phases may be read by REST). Logged, and reported on the first page.
   */
  async #fullSyncPlan(): Promise<{ mode: SyncMode; plan?: FullSyncReadPlan }> {
    const bulk = this.#ctx.bulk;
    if (bulk === null || this.#bulkSync === null) return { mode: 'rest' };
    const opportunities = (await this.#count('SELECT COUNT() FROM Opportunity', 'Opportunity')) ?? 0;
    if (bulk.choice === 'always' && opportunities >= bulk.threshold) {
      this.#ctx.logger.info(
        { crm: 'salesforce', opportunities, mode: 'bulk' },
        'full sync: every object by bulk job',
      );
      return { mode: 'bulk' };
    }
    if (opportunities < bulk.threshold) {
      const plan = readPlan(opportunities, [], 1);
      this.#ctx.logger.info(
        { crm: 'salesforce', opportunities, threshold: bulk.threshold, mode: 'rest' },
        'full sync plan: REST (below the threshold, objects not counted)',
      );
      return { mode: 'rest', plan };
    }
    const objects: ObjectReadEstimate[] = [];
    let countCalls = 1;
    for await (const { object, soql } of this.#bulkSync.countedObjects()) {
      let rows: number | null = opportunities;
      if (object !== 'Opportunity') {
        countCalls += 1;
        rows = await this.#count(soql, object);
      }
      if (rows !== null) objects.push(estimateRead(object, rows, bulk.costs));
    }
    const plan = readPlan(opportunities, objects, countCalls);
    this.#ctx.logger.info(
      {
        crm: 'salesforce',
        opportunities,
        restCalls: plan.restCalls,
        bulkCalls: plan.bulkCalls,
        plannedCalls: plan.plannedCalls,
        objects: Object.fromEntries(
          objects.map((o) => [o.object, `${o.via} (REST ${o.restCalls}, bulk ${o.bulkCalls})`]),
        ),
      },
      'full sync plan: each object the cheaper way',
    );
    return { mode: 'bulk', plan };
  }

  /** Rows a COUNT() query counts; null when this org lacks the object (it is then left out). */
  async #count(soql: string, object: string): Promise<number | null> {
    try {
      const counted = await this.#ctx.client.request<{ totalSize?: unknown }>(
        { method: 'GET', url: `/query?q=${encodeURIComponent(soql)}` },
        `count ${object}`,
      );
      return typeof counted.totalSize === 'number' ? counted.totalSize : 0;
    } catch (err) {
      if (salesforceErrorCode(err) !== 'INVALID_TYPE' || object === 'Opportunity') throw err;
      this.#ctx.missingObjects.add(object);
      return null;
    }
  }

  #lowerBoundForNextRun(startMarker: { at: number | null } | null): string {
    const serverNow = startMarker?.at ?? this.#ctx.client.lastServerTime() ?? Date.now();
    return new Date(serverNow - this.#ctx.lookbackMs).toISOString();
  }

  #window(since: string | null, after: SyncPosition | null, extra: string[] = []): string {
    const conditions = [...extra];
    if (since !== null) conditions.push(`SystemModstamp >= ${soqlDateTime(since)}`);
    if (after !== null) conditions.push(afterPosition(after));
    return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  }

  #phasePages(phase: SyncPhase, since: string | null, after: SyncPosition | null): AsyncGenerator<PhasePage> {
    switch (phase) {
      case 'opportunities':
        return this.#opportunityPages(since, after);
      case 'tasks':
        return this.#activityPages('Task', since, after);
      case 'events':
        return this.#activityPages('Event', since, after);
      case 'emails':
        return this.#activityPages('EmailMessage', since, after);
      case 'deletions':
        return this.#deletionPages(since, after);
      case 'contacts':
      case 'accounts':
        // Only Bulk API full syncs have these phases: REST pages carry their contacts and accounts.
        return (async function* () {})();
    }
  }

  async *#opportunityPages(since: string | null, after: SyncPosition | null) {
    const fields = [...new Set([...OPPORTUNITY_FIELDS, ...this.#ctx.extraFields])];
    const byId = this.#idOrderedFullSync;
    // A full sync needs no time order: Id order makes each page an exact Id range (see related()).
    const soql = byId
      ? `SELECT ${fields.join(', ')} FROM Opportunity${after === null ? '' : ` WHERE Id > ${soqlString(after.id)}`} ORDER BY Id ASC`
      : `SELECT ${fields.join(', ')} FROM Opportunity${this.#window(since, after)} ORDER BY SystemModstamp ASC, Id ASC`;
    const knownStages = await this.#ctx.knownStages();
    let lastId = after?.id ?? null;
    for await (const batch of this.#ctx.client.query(soql, {
      what: 'query Opportunity',
      batchSize: this.#ctx.pageSize,
    })) {
      this.#signal?.throwIfAborted();
      const records = byId ? batch.records : batch.records.filter(notSeen(after));
      const last = batch.records.at(-1);
      const range = byId && typeof last?.Id === 'string' ? { after: lastId, upTo: last.Id } : null;
      const page = await this.#opportunityPage(records, knownStages, range);
      if (typeof last?.Id === 'string') lastId = last.Id;
      yield { page, position: positionOf(last) };
    }
  }

  /** Everything one batch of opportunities needs, fetched with IN filters on the batch's ids. */
  async #opportunityPage(
    records: RawRecord[],
    knownStages: ReadonlySet<string> | null,
    range: IdRange | null,
  ) {
    const ids = records.map((r) => r.Id).filter((id): id is string => typeof id === 'string');
    const trackedFields = inList([...TRACKED_FIELDS]);
    const related = (object: string, fields: readonly string[], field: string, extra?: string) =>
      this.#related(object, fields, field, ids, range, extra);
    const [history, fieldHistory, roles, tasks, events, emails] = await mapLimit(
      [
        () => related('OpportunityHistory', HISTORY_FIELDS, 'OpportunityId'),
        () =>
          related(
            'OpportunityFieldHistory',
            FIELD_HISTORY_FIELDS,
            'OpportunityId',
            `Field IN ${trackedFields}`,
          ),
        () => related('OpportunityContactRole', CONTACT_ROLE_FIELDS, 'OpportunityId'),
        async () => (ids.length === 0 ? [] : related('Task', await this.taskFields(), 'WhatId')),
        () => related('Event', this.eventFields(), 'WhatId'),
        () => this.#optional('EmailMessage', () => related('EmailMessage', EMAIL_FIELDS, 'RelatedToId')),
      ],
      this.#ctx.concurrency,
      (run) => run(),
    );
    const mapped = this.mapDeals(
      records,
      { history: history ?? [], fieldHistory: fieldHistory ?? [], roles: roles ?? [] },
      knownStages,
    );
    const { deals, quarantined } = mapped;
    const activity = await this.#activitiesFrom(tasks ?? [], events ?? [], emails ?? []);
    quarantined.push(...activity.quarantined);

    const contactIds = new Set<string>(mapped.roleRows.map((r) => r.ContactId));
    for (const a of activity.activities) for (const c of a.contactIds) contactIds.add(c);
    const contacts = await this.#contacts([...contactIds]);
    quarantined.push(...contacts.quarantined);
    const accountIds = new Set<string>();
    for (const d of deals) if (d.accountId !== null) accountIds.add(d.accountId);
    for (const c of contacts.valid) if (c.accountId !== null) accountIds.add(c.accountId);
    const accounts = await this.#accounts([...accountIds]);
    quarantined.push(...accounts.quarantined);
    const page: Omit<SyncPage, 'cursor'> = {
      deals,
      activities: activity.activities,
      contacts: contacts.valid,
      accounts: accounts.valid,
      deletedDealIds: [],
      quarantined,
    };
    return page;
  }

  /** Opportunities and their history and contact roles (raw records) → deals or quarantined records. */
  mapDeals(
    records: RawRecord[],
    related: { history: RawRecord[]; fieldHistory: RawRecord[]; roles: RawRecord[] },
    knownStages: ReadonlySet<string> | null,
  ) {
    const quarantined: QuarantinedRecord[] = [];
    const parse = <T>(parsed: { valid: T[]; quarantined: QuarantinedRecord[] }) => {
      quarantined.push(...parsed.quarantined);
      return parsed.valid;
    };
    const historyRows = parse(
      parseRecords('OpportunityHistory', RawHistorySchema, related.history, this.#at),
    );
    const fieldRows = parse(
      parseRecords('OpportunityFieldHistory', RawFieldHistorySchema, related.fieldHistory, this.#at),
    );
    const roleRows = parse(
      parseRecords('OpportunityContactRole', RawContactRoleSchema, related.roles, this.#at),
    );
    const group = <T extends { OpportunityId: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) {
        const list = map.get(row.OpportunityId);
        if (list === undefined) map.set(row.OpportunityId, [row]);
        else list.push(row);
      }
      return map;
    };
    const historyBy = group(historyRows);
    const fieldBy = group(fieldRows);
    const rolesBy = group(roleRows);
    const deals: Deal[] = [];
    for (const raw of records) {
      const id = typeof raw.Id === 'string' ? raw.Id : '';
      const mapped = mapOpportunity(
        raw,
        {
          history: historyBy.get(id) ?? [],
          fieldHistory: fieldBy.get(id) ?? [],
          roles: rolesBy.get(id) ?? [],
        },
        { knownStages, extraFields: this.#ctx.extraFields, at: this.#at },
      );
      if ('deal' in mapped) deals.push(mapped.deal);
      else quarantined.push(mapped.quarantined);
    }
    return { deals, quarantined, roleRows };
  }

  /** Incremental: activities changed since the cursor, on their own (a new Task does not touch its Opportunity). */
  async *#activityPages(
    object: 'Task' | 'Event' | 'EmailMessage',
    since: string | null,
    after: SyncPosition | null,
  ) {
    if (this.#ctx.missingObjects.has(object)) return;
    const parent = object === 'EmailMessage' ? 'RelatedToId' : 'WhatId';
    const where = this.#window(since, after, [`${parent} != null`]);
    const order = ' ORDER BY SystemModstamp ASC, Id ASC';
    const batches =
      object === 'Task'
        ? this.#taskQuery(where, order)
        : this.#ctx.client.query(
            `SELECT ${(object === 'Event' ? this.eventFields() : [...EMAIL_FIELDS]).join(', ')} FROM ${object}${where}${order}`,
            { what: `query ${object}`, batchSize: this.#ctx.pageSize },
          );
    try {
      for await (const batch of batches) {
        this.#signal?.throwIfAborted();
        // Only activities on opportunities matter; the rest (accounts, leads) are skipped here.
        const onDeals = batch.records.filter(notSeen(after)).filter((r) => {
          const id = r[parent];
          return typeof id === 'string' && id.startsWith(OPPORTUNITY_KEY_PREFIX);
        });
        let tasks: RawRecord[] = [];
        let events: RawRecord[] = [];
        let emails: RawRecord[] = [];
        if (object === 'Task') {
          tasks = onDeals;
          const emailTaskIds = onDeals
            .filter((t) => String(t.TaskSubtype ?? '').toLowerCase() === 'email')
            .map((t) => String(t.Id));
          emails =
            (await this.#optional('EmailMessage', () =>
              this.#byIds('EmailMessage', EMAIL_FIELDS, 'ActivityId', emailTaskIds),
            )) ?? [];
        } else if (object === 'Event') {
          events = onDeals;
        } else {
          emails = onDeals;
          const taskIds = onDeals
            .map((e) => e.ActivityId)
            .filter((id): id is string => typeof id === 'string');
          tasks = await this.#tasksBy('Id', taskIds);
        }
        const built = await this.#activitiesFrom(tasks, events, emails);
        const page: Omit<SyncPage, 'cursor'> = {
          deals: [],
          activities: built.activities,
          contacts: [],
          accounts: [],
          deletedDealIds: [],
          quarantined: built.quarantined,
        };
        yield { page, position: positionOf(batch.records.at(-1)) };
      }
    } catch (err) {
      if (salesforceErrorCode(err) === 'INVALID_TYPE' && object !== 'Task') {
        this.#ctx.missingObjects.add(object);
        return;
      }
      throw err;
    }
  }

  async *#deletionPages(since: string | null, after: SyncPosition | null) {
    const where = this.#window(since, after, ['IsDeleted = true']);
    const soql = `SELECT Id, SystemModstamp FROM Opportunity${where} ORDER BY SystemModstamp ASC, Id ASC`;
    for await (const batch of this.#ctx.client.query(soql, {
      all: true,
      what: 'queryAll deleted Opportunity',
    })) {
      const page: Omit<SyncPage, 'cursor'> = {
        ...emptyPage(''),
        deletedDealIds: batch.records
          .filter(notSeen(after))
          .map((r) => r.Id)
          .filter((id): id is string => typeof id === 'string'),
      };
      yield { page, position: positionOf(batch.records.at(-1)) };
    }
  }

  eventFields(): string[] {
    const outcome = this.#ctx.eventOutcomeField;
    return outcome === null ? [...EVENT_FIELDS] : [...EVENT_FIELDS, outcome];
  }

  /**
   * Records of `object` whose `field` is one of the page's opportunity `ids`. With an Id range
   * (REST full sync), one semi-join query, `field IN (SELECT Id FROM Opportunity WHERE Id > a AND
   * Id <= b)`: full 2,000-row batches and no URL limit, where an IN list needs a query per ~440
   * ids. Rows are kept only for the page's ids (an opportunity created meanwhile inside the range
   * belongs to no page). Without a range, chunked IN lists.
   */
  async #related(
    object: string,
    fields: readonly string[],
    field: string,
    ids: string[],
    range: IdRange | null,
    extraCondition?: string,
  ): Promise<RawRecord[]> {
    if (ids.length === 0) return [];
    if (range === null) return this.#byIds(object, fields, field, ids, extraCondition);
    const window = [
      ...(range.after === null ? [] : [`Id > ${soqlString(range.after)}`]),
      `Id <= ${soqlString(range.upTo)}`,
    ].join(' AND ');
    const suffix = extraCondition === undefined ? '' : ` AND ${extraCondition}`;
    const rows = await this.#ctx.client.queryAll(
      `SELECT ${fields.join(', ')} FROM ${object} WHERE ${field} IN (SELECT Id FROM Opportunity WHERE ${window})${suffix}`,
      { what: `query ${object}` },
    );
    const wanted = new Set(ids);
    return rows.filter((r) => typeof r[field] === 'string' && wanted.has(r[field] as string));
  }

  /** All records of `object` whose `field` is in `ids`, chunked so each query URL stays short enough. */
  async #byIds(
    object: string,
    fields: readonly string[],
    field: string,
    ids: string[],
    extraCondition?: string,
  ): Promise<RawRecord[]> {
    if (ids.length === 0) return [];
    const prefix = `SELECT ${fields.join(', ')} FROM ${object} WHERE ${field} IN `;
    const suffix = extraCondition === undefined ? '' : ` AND ${extraCondition}`;
    const fixed = FIXED_URL_OVERHEAD + encodeURIComponent(prefix + suffix).length;
    const chunks = chunkInClause(ids, fixed, this.#ctx.maxQueryUrlLength);
    const results = await mapLimit(chunks, this.#ctx.concurrency, (chunk) =>
      this.#ctx.client.queryAll(`${prefix}${inList(chunk)}${suffix}`, { what: `query ${object}` }),
    );
    return results.flat();
  }

  /** Run a query on an object some orgs lack; null when this org does not have it. */
  async #optional(object: string, run: () => Promise<RawRecord[]>): Promise<RawRecord[] | null> {
    if (this.#ctx.missingObjects.has(object)) return null;
    try {
      return await run();
    } catch (err) {
      if (salesforceErrorCode(err) === 'INVALID_TYPE') {
        this.#ctx.logger.info({ crm: 'salesforce', object }, 'object not available in this org; skipped');
        this.#ctx.missingObjects.add(object);
        return null;
      }
      throw err;
    }
  }

  /**
   * Task queries include PH_Alert_Key__c (to leave our own alert tasks out) when the integration
   * user can read it. Before the permission set is assigned it cannot, so the first Task query of a
   * connector instance is preceded by a one-row probe (one call, instead of every parallel Task
   * query failing with INVALID_FIELD).
   */
  async taskFields(): Promise<string[]> {
    if (this.#ctx.alertKeyReadable.value === null) {
      try {
        await this.#ctx.client.queryAll(`SELECT Id, ${ALERT_KEY_FIELD} FROM Task LIMIT 1`, {
          what: 'probe Task alert key',
        });
        this.#ctx.alertKeyReadable.value = true;
      } catch (err) {
        if (!(isAppError(err) && err.code === 'CRM_PERMISSION')) throw err;
        this.#ctx.alertKeyReadable.value = false;
      }
    }
    return this.#ctx.alertKeyReadable.value ? [...TASK_FIELDS, ALERT_KEY_FIELD] : [...TASK_FIELDS];
  }

  async #tasksBy(field: 'WhatId' | 'Id', ids: string[]): Promise<RawRecord[]> {
    if (ids.length === 0) return [];
    return this.#byIds('Task', await this.taskFields(), field, ids);
  }

  async *#taskQuery(where: string, order: string) {
    const fields = await this.taskFields();
    yield* this.#ctx.client.query(`SELECT ${fields.join(', ')} FROM Task${where}${order}`, {
      what: 'query Task',
      batchSize: this.#ctx.pageSize,
    });
  }

  /** `relations`: the events' EventRelation rows when the caller has them; null: queried by event id. */
  async #activitiesFrom(
    tasks: RawRecord[],
    events: RawRecord[],
    emails: RawRecord[],
    relations: RawRecord[] | null = null,
  ) {
    const quarantined: QuarantinedRecord[] = [];
    const taskRows = parseRecords('Task', RawTaskSchema, tasks, this.#at);
    const eventRows = parseRecords('Event', RawEventSchema, events, this.#at);
    const emailRows = parseRecords('EmailMessage', RawEmailSchema, emails, this.#at);
    quarantined.push(...taskRows.quarantined, ...eventRows.quarantined, ...emailRows.quarantined);
    const eventIds = eventRows.valid.map((e) => e.Id);
    const relationRecords =
      relations ??
      (await this.#optional('EventRelation', () =>
        this.#byIds('EventRelation', EVENT_RELATION_FIELDS, 'EventId', eventIds),
      )) ??
      [];
    const relationRows = parseRecords('EventRelation', RawEventRelationSchema, relationRecords, this.#at);
    quarantined.push(...relationRows.quarantined);
    const attendees = new Map<string, string[]>();
    for (const r of relationRows.valid) {
      if (!r.RelationId.startsWith(CONTACT_KEY_PREFIX)) continue;
      attendees.set(r.EventId, [...(attendees.get(r.EventId) ?? []), r.RelationId]);
    }
    const outcomeField = this.#ctx.eventOutcomeField;
    const eventOutcomes = new Map<string, unknown>();
    if (outcomeField !== null)
      for (const raw of events) if (typeof raw.Id === 'string') eventOutcomes.set(raw.Id, raw[outcomeField]);
    const built = buildActivities({
      tasks: taskRows.valid,
      events: eventRows.valid,
      emails: emailRows.valid,
      attendees,
      eventOutcomes,
      now: this.#ctx.client.now(),
      at: this.#at,
    });
    quarantined.push(...built.quarantined);
    const activities: Activity[] = built.activities;
    return { activities, quarantined };
  }

  async #contacts(ids: string[]): Promise<{ valid: Contact[]; quarantined: QuarantinedRecord[] }> {
    return mapContacts(await this.#byIds('Contact', CONTACT_FIELDS, 'Id', ids), this.#at);
  }

  async #accounts(ids: string[]): Promise<{ valid: Account[]; quarantined: QuarantinedRecord[] }> {
    return mapAccounts(await this.#byIds('Account', ACCOUNT_FIELDS, 'Id', ids), this.#at);
  }
}
