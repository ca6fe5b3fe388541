import type {
  Account,
  Activity,
  Contact,
  DealContact,
  Deal,
  Pipeline,
  QuarantinedRecord,
} from '../../src/domain/index.ts';
import type { PullOptions, SyncPage } from '../crm-connector.ts';
import { CRM_LIMITS, chunk } from '../shared/crm-limits.ts';
import { decodeCursor, encodeCursor, type HubSpotCursor } from './hubspot-cursor.ts';
import type { HubSpotHttp } from './hubspot-http.ts';
import {
  type KeysetSearch,
  type KeysetStep,
  keysetPages,
  type SearchFilter,
} from './hubspot-keyset-pager.ts';
import { knownDealUnchanged } from './hubspot-known-deal.ts';
import {
  COMPANY_PROPERTIES,
  CONTACT_PROPERTIES,
  DEAL_HISTORY_PROPERTIES,
  DEAL_PROPERTIES,
  ENGAGEMENT_OBJECTS,
  ENGAGEMENT_PROPERTIES,
  type EngagementObject,
  MappingError,
  mapActivity,
  mapCompany,
  mapContact,
  mapDeal,
  mapPipeline,
  type RawObject,
  RawObjectSchema,
  stageIndex,
} from './hubspot-records.ts';

const LIMITS = CRM_LIMITS.hubspot;

export interface ReaderOptions {
  http: HubSpotHttp;
  now: () => number;
  /**
   * The end of a new sync window, in the CRM's clock (epoch ms). Never the worker's clock: a worker
   * ahead of HubSpot by more than the lookback would skip every change made meanwhile.
   */
  windowEnd: (signal?: AbortSignal) => Promise<number>;
  /** Pipelines to pull; empty: all. */
  pipelines: string[];
  /** Deals per page; default 1,000 (one association batch read per page). */
  dealsPerPage: number;
  /** Incremental pulls start this long before the previous pull's start; default 5 min. */
  lookbackMs: number;
  /** Extra deal properties copied into Deal.fields (qualification fields). */
  extraProperties: readonly string[];
}

type Quarantine = (objectType: string, raw: unknown, reason: string) => void;

/** Everything `pull` and `fetchMetadata` read from HubSpot. */
export class HubSpotReader {
  readonly #o: ReaderOptions;
  #pipelines: Pipeline[] | null = null;

  constructor(options: ReaderOptions) {
    this.#o = options;
  }

  async pipelines(signal?: AbortSignal): Promise<Pipeline[]> {
    if (this.#pipelines !== null) return this.#pipelines;
    const res = await this.#o.http.call(
      'default',
      () => this.#o.http.client.crm.pipelines.pipelinesApi.getAll('deals'),
      signal,
    );
    this.#pipelines = res.results.map((p) => mapPipeline(p));
    return this.#pipelines;
  }

  async *pull(
    cursorText: string | null,
    only: string[] | undefined,
    signal?: AbortSignal,
    known?: PullOptions['known'],
  ): AsyncGenerator<SyncPage> {
    let cursor: HubSpotCursor;
    const previousDone = cursorText === null || decodeCursor(cursorText).phase === 'done';
    const now = previousDone ? await this.#o.windowEnd(signal) : 0; // unused when resuming
    if (cursorText === null) {
      cursor = { v: 1, from: null, until: now, phase: 'deals', pos: null, eng: 0 };
    } else {
      const previous = decodeCursor(cursorText);
      cursor =
        previous.phase === 'done'
          ? { v: 1, from: previous.until - this.#o.lookbackMs, until: now, phase: 'deals', pos: null, eng: 0 }
          : previous;
    }
    const wanted = only && only.length > 0 ? only : this.#o.pipelines;
    const pipelines = await this.pipelines(signal);
    const stages = stageIndex(pipelines);
    const pulled = new Set<string>();

    if (cursor.phase === 'deals') {
      const baseFilters: SearchFilter[] =
        wanted.length > 0 ? [{ propertyName: 'pipeline', operator: 'IN', values: wanted }] : [];
      let ids: string[] = [];
      const limit = Math.min(LIMITS.searchPageSize, this.#o.dealsPerPage);
      for await (const step of this.#keyset('deals', baseFilters, cursor, limit, signal)) {
        ids.push(...step.ids);
        cursor = { ...cursor, pos: step.pos };
        // Yield before the next search page could push the page past dealsPerPage.
        if (ids.length + limit > this.#o.dealsPerPage || step.last) {
          // Only an incremental pull's deals phase may drop deals it holds unchanged (our own
          // write-back moved them); dropped ones stay out of `pulled` for the activities phase.
          const unchanged = new Set<string>();
          const skip = cursor.from === null || known === undefined ? undefined : { known, unchanged };
          const page = await this.#dealPage(ids, stages, wanted, signal, skip);
          for (const id of ids) if (!unchanged.has(id)) pulled.add(id);
          ids = [];
          if (step.last)
            cursor = { ...cursor, phase: cursor.from === null ? 'done' : 'activities', pos: null, eng: 0 };
          yield { ...page, cursor: encodeCursor(cursor) };
        }
      }
    }

    if (cursor.phase === 'activities') {
      // Deals whose activities changed but which were not modified themselves: find them through
      // the engagements modified in the window and their deal associations.
      let dealIds = new Set<string>();
      for (let eng = cursor.eng; eng < ENGAGEMENT_OBJECTS.length; eng += 1) {
        const object = ENGAGEMENT_OBJECTS[eng] as EngagementObject;
        cursor = { ...cursor, eng, pos: eng === cursor.eng ? cursor.pos : null };
        for await (const step of this.#keyset(object, [], cursor, LIMITS.searchPageSize, signal)) {
          cursor = { ...cursor, pos: step.pos };
          if (step.ids.length > 0) {
            const links = await this.#associations(object, 'deals', step.ids, signal);
            for (const targets of links.values())
              for (const t of targets) if (!pulled.has(t.id)) dealIds.add(t.id);
          }
          const lastOfAll = step.last && eng === ENGAGEMENT_OBJECTS.length - 1;
          if (dealIds.size >= this.#o.dealsPerPage || (lastOfAll && dealIds.size > 0)) {
            const ids = [...dealIds];
            const page = await this.#dealPage(ids, stages, wanted, signal);
            for (const id of ids) pulled.add(id);
            dealIds = new Set();
            if (lastOfAll) cursor = { ...cursor, phase: 'deleted', pos: null, eng: 0 };
            yield { ...page, cursor: encodeCursor(cursor) };
          }
        }
      }
      cursor = { ...cursor, phase: 'deleted', pos: null, eng: 0 };
    }

    const deletedDealIds: string[] = [];
    if (cursor.phase === 'deleted') {
      // Archived deals cannot be searched: list them all (HubSpot keeps archived records for 90
      // days, so the list stays bounded) and keep the ones archived inside this pull's window.
      let after: string | undefined;
      for (let guard = 0; guard < 100_000; guard += 1) {
        const res = await this.#o.http.call(
          'default',
          () =>
            this.#o.http.client.crm.objects.basicApi.getPage(
              'deals',
              LIMITS.pageSize,
              after,
              ['pipeline'],
              undefined,
              undefined,
              true,
            ),
          signal,
        );
        for (const r of res.results) {
          const at = r.archivedAt instanceof Date ? r.archivedAt.getTime() : Number.NaN;
          if (cursor.from === null || !(at < cursor.from)) deletedDealIds.push(r.id);
        }
        after = res.paging?.next?.after;
        if (after === undefined) break;
      }
    }
    cursor = { ...cursor, phase: 'done', pos: null, eng: 0 };
    yield {
      deals: [],
      activities: [],
      contacts: [],
      accounts: [],
      deletedDealIds,
      quarantined: [],
      cursor: encodeCursor(cursor),
    };
  }

  /** {@link keysetPages} over one object type, searching through the connector's HTTP layer. */
  #keyset(
    objectType: string,
    baseFilters: SearchFilter[],
    cursor: HubSpotCursor,
    limit: number,
    signal?: AbortSignal,
  ): AsyncGenerator<KeysetStep> {
    const search: KeysetSearch = async ({ filters, sorts, limit }) => {
      const res = await this.#o.http.call(
        'search',
        () =>
          this.#o.http.client.crm.objects.searchApi.doSearch(objectType, {
            filterGroups: [{ filters: filters as never }],
            sorts,
            properties: ['hs_lastmodifieddate'],
            limit,
            // Keyset paging restarts every query at the first result; HubSpot's reference lists `after`.
            after: '0',
          }),
        signal,
      );
      return {
        results: res.results.map((r) => ({ id: r.id, lastModified: r.properties.hs_lastmodifieddate })),
        more: res.paging?.next?.after !== undefined,
      };
    };
    return keysetPages(search, {
      baseFilters,
      from: cursor.from,
      until: cursor.until,
      start: cursor.pos,
      limit,
    });
  }

  async #associations(
    from: string,
    to: string,
    ids: string[],
    signal?: AbortSignal,
  ): Promise<Map<string, { id: string; labels: string[]; typeIds: number[] }[]>> {
    const out = new Map<string, { id: string; labels: string[]; typeIds: number[] }[]>();
    const responses = await Promise.all(
      chunk(ids, LIMITS.associationBatchSize).map((part) =>
        this.#o.http.call(
          'default',
          () =>
            this.#o.http.client.crm.associations.v4.batchApi.getPage(from, to, {
              inputs: part.map((id) => ({ id })),
            } as never),
          signal,
        ),
      ),
    );
    for (const res of responses) {
      for (const r of res.results) {
        const list = out.get(r._from.id) ?? [];
        for (const t of r.to) {
          list.push({
            id: String(t.toObjectId),
            labels: t.associationTypes
              .map((a) => a.label)
              .filter((l): l is string => typeof l === 'string' && l !== ''),
            typeIds: t.associationTypes.map((a) => a.typeId),
          });
        }
        out.set(r._from.id, list);
      }
    }
    return out;
  }

  async #batchRead(
    objectType: string,
    ids: string[],
    properties: readonly string[],
    historyProperties: readonly string[],
    quarantine: Quarantine,
    signal?: AbortSignal,
  ): Promise<RawObject[]> {
    const size = historyProperties.length > 0 ? LIMITS.historyBatchSize : LIMITS.batchSize;
    const out: RawObject[] = [];
    const responses = await Promise.all(
      chunk(ids, size).map((part) =>
        this.#o.http.call(
          'default',
          () =>
            this.#o.http.client.crm.objects.batchApi.read(objectType, {
              inputs: part.map((id) => ({ id })),
              properties: [...properties],
              propertiesWithHistory: [...historyProperties],
            }),
          signal,
        ),
      ),
    );
    for (const res of responses) {
      for (const raw of res.results) {
        const parsed = RawObjectSchema.safeParse(raw);
        if (parsed.success) out.push(parsed.data);
        else
          quarantine(
            objectType,
            raw,
            parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          );
      }
    }
    return out;
  }

  /**
   * One page's reads fan out side by side; after the first failure none more starts and those in
   * flight are ended (reads are idempotent), so a failed page spends no more quota.
   */
  async #dealPage(
    ids: string[],
    stages: ReturnType<typeof stageIndex>,
    wanted: string[],
    signal?: AbortSignal,
    skip?: { known: NonNullable<PullOptions['known']>; unchanged: Set<string> },
  ): Promise<Omit<SyncPage, 'cursor'>> {
    const stop = new AbortController();
    const pageSignal = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
    try {
      return await this.#readDealPage(ids, stages, wanted, pageSignal, skip);
    } catch (err) {
      stop.abort(err);
      throw err;
    }
  }

  /**
   * Read deals with history, their associations, activities, contacts and companies: one page.
   * With `skip`, deals equal to the stored ones apart from `updatedAt` are dropped after the
   * deal read, before anything else is read for them, and their ids added to `skip.unchanged`.
   */
  async #readDealPage(
    ids: string[],
    stages: ReturnType<typeof stageIndex>,
    wanted: string[],
    signal?: AbortSignal,
    skip?: { known: NonNullable<PullOptions['known']>; unchanged: Set<string> },
  ): Promise<Omit<SyncPage, 'cursor'>> {
    const quarantined: QuarantinedRecord[] = [];
    const at = new Date(this.#o.now()).toISOString();
    const quarantine: Quarantine = (objectType, raw, reason) => {
      const recordId = (raw as { id?: unknown } | null)?.id;
      quarantined.push({
        objectType,
        recordId: typeof recordId === 'string' ? recordId : null,
        reason,
        raw,
        at,
      });
    };
    const empty = { deals: [], activities: [], contacts: [], accounts: [], deletedDealIds: [], quarantined };
    if (ids.length === 0) return empty;
    let raws = await this.#batchRead(
      'deals',
      [...new Set(ids)],
      [...new Set([...DEAL_PROPERTIES, ...this.#o.extraProperties])],
      DEAL_HISTORY_PROPERTIES,
      quarantine,
      signal,
    );
    if (wanted.length > 0) raws = raws.filter((r) => wanted.includes(r.properties.pipeline ?? ''));
    if (skip !== undefined && raws.length > 0) {
      const stored = await skip.known(raws.map((r) => r.id));
      raws = raws.filter((r) => {
        const deal = stored.get(r.id);
        if (deal === undefined || !knownDealUnchanged(r, deal, stages, this.#o.extraProperties)) return true;
        skip.unchanged.add(r.id);
        return false;
      });
    }
    if (raws.length === 0) return empty;
    const dealIds = raws.map((r) => r.id);

    // Independent reads run side by side; the connector's semaphore and limiter pace them. Each
    // read starts as soon as what it needs is answered: an activity type's batch reads wait for that
    // type's association read only, the contact and company reads for theirs (not for all seven).
    const people = async () => {
      const [contactLinks, companyLinks] = await Promise.all([
        this.#associations('deals', 'contacts', dealIds, signal),
        this.#associations('deals', 'companies', dealIds, signal),
      ]);
      const contactIds = new Set<string>();
      for (const list of contactLinks.values()) for (const t of list) contactIds.add(t.id);
      const companyIds = new Set<string>();
      for (const list of companyLinks.values()) for (const t of list) companyIds.add(t.id);
      const [rawContacts, rawCompanies] = await Promise.all([
        this.#batchRead('contacts', [...contactIds], CONTACT_PROPERTIES, [], quarantine, signal),
        this.#batchRead('companies', [...companyIds], COMPANY_PROPERTIES, [], quarantine, signal),
      ]);
      return { contactLinks, companyLinks, rawContacts, rawCompanies };
    };
    const activitiesOf = async (object: EngagementObject): Promise<Activity[]> => {
      const links = await this.#associations('deals', object, dealIds, signal);
      const dealsByActivity = new Map<string, string[]>();
      for (const [dealId, targets] of links) {
        for (const t of targets) {
          const list = dealsByActivity.get(t.id) ?? [];
          list.push(dealId);
          dealsByActivity.set(t.id, list);
        }
      }
      if (dealsByActivity.size === 0) return [];
      const engIds = [...dealsByActivity.keys()];
      const [raw, attendees] = await Promise.all([
        this.#batchRead(object, engIds, ENGAGEMENT_PROPERTIES[object], [], quarantine, signal),
        this.#associations(object, 'contacts', engIds, signal),
      ]);
      const mapped: Activity[] = [];
      for (const r of raw) {
        try {
          mapped.push(
            mapActivity(
              r,
              object,
              dealsByActivity.get(r.id) ?? [],
              (attendees.get(r.id) ?? []).map((p) => p.id),
            ),
          );
        } catch (err) {
          quarantine(object, r, err instanceof MappingError ? err.message : String(err));
        }
      }
      return mapped;
    };
    const [{ contactLinks, companyLinks, rawContacts, rawCompanies }, perType] = await Promise.all([
      people(),
      Promise.all(ENGAGEMENT_OBJECTS.map(activitiesOf)),
    ]);
    const activities: Activity[] = perType.flat();

    const contacts: Contact[] = rawContacts.map((r) => mapContact(r, null));
    const accounts: Account[] = [];
    for (const r of rawCompanies) {
      try {
        accounts.push(mapCompany(r));
      } catch (err) {
        quarantine('companies', r, err instanceof MappingError ? err.message : String(err));
      }
    }

    const deals: Deal[] = [];
    for (const r of raws) {
      const company = companyLinks.get(r.id) ?? [];
      // Primary company association (type 5) first, else the first one.
      const primary = company.find((c) => c.typeIds.includes(5)) ?? company[0];
      const dealContacts: DealContact[] = (contactLinks.get(r.id) ?? []).map((c) => ({
        contactId: c.id,
        role: c.labels[0] ?? null,
        isPrimary: c.labels.some((l) => /primary/i.test(l)),
      }));
      try {
        deals.push(
          mapDeal(
            r,
            stages,
            { contacts: dealContacts, accountId: primary?.id ?? null },
            this.#o.extraProperties,
          ),
        );
      } catch (err) {
        quarantine('deals', r, err instanceof MappingError ? err.message : String(err));
      }
    }
    return { deals, activities, contacts, accounts, deletedDealIds: [], quarantined };
  }
}
