import type { SandboxWorld, WorldActivity } from '../world.ts';
import {
  associationType,
  CREATED_N_START,
  ENGAGEMENT_TYPES,
  type HubSpotObjectType,
  HUBSPOT_OBJECT_TYPES,
  inverseAssociationTypeId,
  recordId,
  recordN,
} from './hubspot-object-types.ts';
import type { HubSpotRenderer, PropertyVersion, RenderedBase } from './hubspot-render.ts';

/** A record as the API serves it (properties already merged with writes). */
export interface StoredRecord {
  id: string;
  n: number;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

/** API writes on one record (or the whole record, for API-created ones). */
interface Overlay {
  created: boolean;
  properties: Record<string, string | null>;
  /** Written versions per property, oldest first. */
  history: Record<string, PropertyVersion[]>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /**
   * What search still sees until `visibleAt` (HubSpot's search index lags writes): the record
   * before the first write inside the lag, or null for a record created inside it.
   */
  searchView?: { record: StoredRecord | null; visibleAt: number };
}

interface Source {
  /** World record numbers, ascending. */
  ns: Int32Array;
  has(n: number): boolean;
  render(n: number): RenderedBase | null;
}

interface Csr {
  offsets: Int32Array;
  values: Int32Array;
}

const ACTIVITY_TYPE: Record<WorldActivity['type'], HubSpotObjectType> = {
  email: 'emails',
  call: 'calls',
  meeting: 'meetings',
  note: 'notes',
  task: 'tasks',
};

/**
 * The HubSpot view of a world plus the API's writes. World records are rendered on demand (a
 * 100,000-deal world is never copied into HubSpot shapes); writes live in per-record overlays.
 */
export class HubSpotStore {
  readonly world: SandboxWorld;
  readonly #renderer: HubSpotRenderer;
  readonly #sources = new Map<HubSpotObjectType, Source>();
  readonly #overlays = new Map<HubSpotObjectType, Map<number, Overlay>>();
  readonly #createdNs = new Map<HubSpotObjectType, number[]>();
  #nextCreatedN = CREATED_N_START;
  readonly #activityIndex: (n: number) => number;
  readonly #added = new Map<string, Map<string, Set<number>>>();
  readonly #removed = new Set<string>();
  #dealActivities: Csr | null = null;
  #contactActivities: Csr | null = null;
  #contactDeals: Csr | null = null;
  #companyDeals: Csr | null = null;
  #companyContacts: Csr | null = null;

  /** How long search keeps serving a record's state from before a write, in ms. */
  searchLagMs = 0;
  /**
   * Most rendered world records kept for reuse (searches scan every record of a type). Rendered
   * records are never mutated: writes live in overlays. 250,000 covers every deal, contact and
   * company of a 100,000-deal world and some of its activities.
   */
  renderCacheLimit = 250_000;
  readonly #renderCache = new Map<HubSpotObjectType, Map<number, RenderedBase | null>>();
  #renderCacheSize = 0;

  constructor(world: SandboxWorld, renderer: HubSpotRenderer) {
    this.world = world;
    this.#renderer = renderer;
    const dealAt = denseLookup(world.deals);
    const contactAt = denseLookup(world.contacts);
    const companyAt = denseLookup(world.companies);
    this.#activityIndex = denseIndex(world.activities);
    this.#sources.set('deals', {
      ns: sortedNs(world.deals.map((d) => d.n)),
      has: (n) => dealAt(n) !== undefined,
      render: (n) => {
        const d = dealAt(n);
        return d ? renderer.deal(d) : null;
      },
    });
    this.#sources.set('contacts', {
      ns: sortedNs(world.contacts.map((c) => c.n)),
      has: (n) => contactAt(n) !== undefined,
      render: (n) => {
        const c = contactAt(n);
        return c ? renderer.contact(c) : null;
      },
    });
    this.#sources.set('companies', {
      ns: sortedNs(world.companies.map((c) => c.n)),
      has: (n) => companyAt(n) !== undefined,
      render: (n) => {
        const c = companyAt(n);
        return c ? renderer.company(c) : null;
      },
    });
    this.#sources.set('goal_targets', {
      ns: sortedNs(world.targets.map((_t, i) => i + 1)),
      has: (n) => n >= 1 && n <= world.targets.length,
      render: (n) => {
        const t = world.targets[n - 1];
        return t ? renderer.goalTarget(t, n) : null;
      },
    });
    const counts = new Map<HubSpotObjectType, number>();
    for (const a of world.activities)
      counts.set(ACTIVITY_TYPE[a.type], (counts.get(ACTIVITY_TYPE[a.type]) ?? 0) + 1);
    const byType = new Map<HubSpotObjectType, Int32Array>();
    const fill = new Map<HubSpotObjectType, number>();
    for (const type of ENGAGEMENT_TYPES) {
      byType.set(type, new Int32Array(counts.get(type) ?? 0));
      fill.set(type, 0);
    }
    for (const a of world.activities) {
      const type = ACTIVITY_TYPE[a.type];
      const at = fill.get(type)!;
      byType.get(type)![at] = a.n;
      fill.set(type, at + 1);
    }
    for (const type of ENGAGEMENT_TYPES) {
      const ns = byType.get(type)!;
      ns.sort();
      const isType = (n: number): boolean => {
        const a = this.activity(n);
        return a !== undefined && ACTIVITY_TYPE[a.type] === type;
      };
      this.#sources.set(type, {
        ns,
        has: isType,
        render: (n) => {
          const a = this.activity(n);
          return a && ACTIVITY_TYPE[a.type] === type ? renderer.activity(a) : null;
        },
      });
    }
    for (const type of HUBSPOT_OBJECT_TYPES) {
      this.#overlays.set(type, new Map());
      this.#createdNs.set(type, []);
    }
  }

  #renderBase(type: HubSpotObjectType, n: number): RenderedBase | null {
    let cache = this.#renderCache.get(type);
    const hit = cache?.get(n);
    if (hit !== undefined) return hit;
    const rendered = this.#sources.get(type)!.render(n);
    if (this.#renderCacheSize < this.renderCacheLimit) {
      if (!cache) {
        cache = new Map();
        this.#renderCache.set(type, cache);
      }
      cache.set(n, rendered);
      this.#renderCacheSize++;
    }
    return rendered;
  }

  activity(n: number): WorldActivity | undefined {
    const i = this.#activityIndex(n);
    return i < 0 ? undefined : this.world.activities[i];
  }

  /** A record by number; archived ones only when `archived` is true (HubSpot's `archived=true`). */
  get(type: HubSpotObjectType, n: number, archived = false): StoredRecord | null {
    const overlay = this.#overlays.get(type)!.get(n);
    let base: RenderedBase | null = null;
    if (!overlay?.created) {
      base = n < CREATED_N_START ? this.#renderBase(type, n) : null;
      if (!base) return null;
    }
    if (overlay && overlay.archived !== archived) return null;
    if (!overlay && archived) return null;
    const properties = overlay ? { ...base?.properties, ...overlay.properties } : base!.properties;
    const record: StoredRecord = {
      id: recordId(type, n),
      n,
      properties,
      createdAt: overlay?.created ? overlay.createdAt : base!.createdAt,
      updatedAt: overlay ? overlay.updatedAt : base!.updatedAt,
      archived: overlay?.archived ?? false,
    };
    if (overlay?.archivedAt) record.archivedAt = overlay.archivedAt;
    return record;
  }

  /** Whether a live (not archived) record exists, without rendering it. */
  exists(type: HubSpotObjectType, n: number): boolean {
    const overlay = this.#overlays.get(type)!.get(n);
    if (overlay) return !overlay.archived;
    return n < CREATED_N_START && this.#sources.get(type)!.has(n);
  }

  getById(type: HubSpotObjectType, id: string, archived = false): StoredRecord | null {
    const n = recordN(type, id);
    return n === null ? null : this.get(type, n, archived);
  }

  /** Record numbers of a type in id order from `fromN` on (world records, then API-created ones). */
  *ns(type: HubSpotObjectType, fromN = 0): Generator<number> {
    const { ns } = this.#sources.get(type)!;
    let lo = 0;
    let hi = ns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ns[mid]! < fromN) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < ns.length; i++) yield ns[i]!;
    for (const n of this.#createdNs.get(type)!) if (n >= fromN) yield n;
  }

  /** A property's versions, newest first (world history, then API writes on top). */
  history(type: HubSpotObjectType, record: StoredRecord, name: string): PropertyVersion[] {
    const overlay = this.#overlays.get(type)!.get(record.n);
    const written = overlay?.history[name] ?? [];
    let base: PropertyVersion[] | null = null;
    if (!overlay?.created && type === 'deals') {
      const deal = this.world.deals[record.n - 1];
      if (deal?.n === record.n) base = this.#renderer.dealHistory(deal, name);
    }
    if (base === null && !overlay?.created) {
      const value = overlay?.created ? null : this.#renderBase(type, record.n)?.properties[name];
      base =
        value === null || value === undefined
          ? []
          : [{ value, timestamp: record.createdAt, sourceType: 'CRM_UI' }];
    }
    return [...written].reverse().concat(base ?? []);
  }

  /** Create a record from normalised values; returns its number. */
  create(type: HubSpotObjectType, values: Record<string, string | null>, at: string): number {
    const n = this.#nextCreatedN++;
    const id = recordId(type, n);
    const system: Record<string, string | null> = { hs_object_id: id };
    if (type === 'deals' || type === 'companies' || type === 'contacts')
      system.createdate = values.createdate ?? at;
    if (type === 'deals') system.num_associated_contacts = '0';
    else system.hs_createdate = at;
    system[type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'] = at;
    const properties = { ...values, ...system };
    const history: Record<string, PropertyVersion[]> = {};
    for (const [name, value] of Object.entries(values)) {
      if (value !== null) history[name] = [{ value, timestamp: at, sourceType: 'INTEGRATION' }];
    }
    const overlay: Overlay = {
      created: true,
      properties,
      history,
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    this.#applyDerived(type, overlay, values, at);
    if (this.searchLagMs > 0)
      overlay.searchView = { record: null, visibleAt: Date.parse(at) + this.searchLagMs };
    this.#overlays.get(type)!.set(n, overlay);
    this.#createdNs.get(type)!.push(n);
    return n;
  }

  /** Apply normalised values to an existing record; moves its last-modified time. */
  update(
    type: HubSpotObjectType,
    n: number,
    values: Record<string, string | null>,
    at: string,
    sourceType = 'INTEGRATION',
  ): void {
    const overlays = this.#overlays.get(type)!;
    const atMs = Date.parse(at);
    const existing = overlays.get(n);
    const pending =
      existing?.searchView && existing.searchView.visibleAt > atMs ? existing.searchView : undefined;
    const before = this.searchLagMs > 0 && !pending ? this.get(type, n) : null;
    let overlay = overlays.get(n);
    if (!overlay) {
      const base = this.#renderBase(type, n);
      overlay = {
        created: false,
        properties: {},
        history: {},
        createdAt: base?.createdAt ?? at,
        updatedAt: at,
        archived: false,
      };
      overlays.set(n, overlay);
    }
    for (const [name, value] of Object.entries(values)) {
      overlay.properties[name] = value;
      const versions = overlay.history[name] ?? [];
      versions.push({ value: value ?? '', timestamp: at, sourceType });
      overlay.history[name] = versions;
    }
    overlay.properties[type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'] = at;
    overlay.updatedAt = at;
    this.#applyDerived(type, overlay, values, at);
    if (this.searchLagMs > 0) {
      overlay.searchView = { record: pending ? pending.record : before, visibleAt: atMs + this.searchLagMs };
    }
  }

  /** A record as search sees it at `nowMs` (possibly its state before a recent write), or null. */
  getForSearch(type: HubSpotObjectType, n: number, nowMs: number): StoredRecord | null {
    const view = this.#overlays.get(type)!.get(n)?.searchView;
    if (view && nowMs < view.visibleAt) return view.record;
    return this.get(type, n);
  }

  archive(type: HubSpotObjectType, n: number, at: string): void {
    this.update(type, n, {}, at);
    const overlay = this.#overlays.get(type)!.get(n)!;
    overlay.archived = true;
    overlay.archivedAt = at;
  }

  /** Deal stage writes set the calculated stage properties, as HubSpot does. */
  #applyDerived(
    type: HubSpotObjectType,
    overlay: Overlay,
    values: Record<string, string | null>,
    at: string,
  ): void {
    if (type !== 'deals' || values.dealstage === undefined || values.dealstage === null) return;
    const info = this.#renderer.stageInfo(values.dealstage);
    overlay.properties[`hs_date_entered_${values.dealstage}`] = at;
    overlay.properties.hs_is_closed = String(info?.isClosed ?? false);
    overlay.properties.hs_is_closed_won = String(info?.isWon ?? false);
  }

  /** Associations of one record to another type: `toId` with its association type ids. */
  associations(
    from: HubSpotObjectType,
    fromN: number,
    to: HubSpotObjectType,
  ): { toId: string; typeIds: number[] }[] {
    const out = new Map<string, number[]>();
    const fromId = recordId(from, fromN);
    const merge = (toId: string, typeIds: Iterable<number>): void => {
      const existing = out.get(toId);
      if (!existing) {
        out.set(toId, [...typeIds]);
        return;
      }
      for (const t of typeIds) if (!existing.includes(t)) existing.push(t);
    };
    const add = (toN: number, typeIds: number[]): void => {
      const toId = recordId(to, toN);
      if (this.#removed.has(`${from}:${fromId}:${to}:${toId}`)) return;
      merge(toId, typeIds);
    };
    const def = associationType(from, to);
    if (def && fromN < CREATED_N_START && this.get(from, fromN) !== null)
      this.#worldAssociations(from, fromN, to, def, add);
    for (const [toId, types] of this.#added.get(`${from}:${fromId}:${to}`) ?? []) merge(toId, types);
    return [...out].map(([toId, typeIds]) => ({ toId, typeIds }));
  }

  #worldAssociations(
    from: HubSpotObjectType,
    fromN: number,
    to: HubSpotObjectType,
    def: { id: number; primary?: number },
    add: (toN: number, typeIds: number[]) => void,
  ): void {
    const { world } = this;
    const withPrimary = def.primary === undefined ? [def.id] : [def.primary, def.id];
    if (from === 'deals') {
      const deal = world.deals[fromN - 1];
      if (!deal || deal.n !== fromN) return;
      if (to === 'contacts') for (const c of deal.contacts) add(c.contactN, [def.id]);
      else if (to === 'companies' && deal.companyN !== null) add(deal.companyN, withPrimary);
      else if (ENGAGEMENT_TYPES.includes(to))
        this.#fromCsr(this.#dealActivitiesCsr(), fromN, to, def.id, add);
      return;
    }
    if (from === 'contacts') {
      const contact = world.contacts[fromN - 1];
      if (!contact || contact.n !== fromN) return;
      if (to === 'companies' && contact.companyN !== null) add(contact.companyN, withPrimary);
      else if (to === 'deals') eachCsr(this.#contactDealsCsr(), fromN, (dealN) => add(dealN, [def.id]));
      else if (ENGAGEMENT_TYPES.includes(to))
        this.#fromCsr(this.#contactActivitiesCsr(), fromN, to, def.id, add);
      return;
    }
    if (from === 'companies') {
      if (to === 'contacts')
        eachCsr(this.#companyContactsCsr(), fromN, (contactN) => add(contactN, withPrimary));
      else if (to === 'deals') eachCsr(this.#companyDealsCsr(), fromN, (dealN) => add(dealN, withPrimary));
      return;
    }
    if (ENGAGEMENT_TYPES.includes(from)) {
      const a = this.activity(fromN);
      if (!a) return;
      // An orphaned activity still names its (missing) deal, as in real CRMs.
      if (to === 'deals') add(a.dealN, [def.id]);
      else if (to === 'contacts') for (const c of a.contactNs) add(c, [def.id]);
    }
  }

  #fromCsr(
    csr: Csr,
    key: number,
    to: HubSpotObjectType,
    typeId: number,
    add: (toN: number, typeIds: number[]) => void,
  ): void {
    eachCsr(csr, key, (index) => {
      const a = this.world.activities[index]!;
      if (ACTIVITY_TYPE[a.type] === to) add(a.n, [typeId]);
    });
  }

  /** Add an association in both directions (as HubSpot does), at `at`. */
  associate(
    from: HubSpotObjectType,
    fromId: string,
    to: HubSpotObjectType,
    toId: string,
    typeIds: number[],
    at: string,
  ): void {
    const put = (
      a: HubSpotObjectType,
      aId: string,
      b: HubSpotObjectType,
      bId: string,
      ids: number[],
    ): void => {
      const key = `${a}:${aId}:${b}`;
      let targets = this.#added.get(key);
      if (!targets) {
        targets = new Map();
        this.#added.set(key, targets);
      }
      let set = targets.get(bId);
      if (!set) {
        set = new Set();
        targets.set(bId, set);
      }
      for (const id of ids) set.add(id);
      this.#removed.delete(`${a}:${aId}:${b}:${bId}`);
    };
    put(from, fromId, to, toId, typeIds);
    put(
      to,
      toId,
      from,
      fromId,
      typeIds.map((t) => inverseAssociationTypeId(from, to, t)),
    );
    this.#recountContacts(from, fromId, to, toId, at);
  }

  /** Remove every association between two records (both directions), at `at`. */
  dissociate(from: HubSpotObjectType, fromId: string, to: HubSpotObjectType, toId: string, at: string): void {
    this.#added.get(`${from}:${fromId}:${to}`)?.delete(toId);
    this.#added.get(`${to}:${toId}:${from}`)?.delete(fromId);
    this.#removed.add(`${from}:${fromId}:${to}:${toId}`);
    this.#removed.add(`${to}:${toId}:${from}:${fromId}`);
    this.#recountContacts(from, fromId, to, toId, at);
  }

  /**
   * HubSpot recalculates a deal's `num_associated_contacts` when a contact is associated or
   * dissociated, which records a property version and moves the deal's last-modified time.
   */
  #recountContacts(
    from: HubSpotObjectType,
    fromId: string,
    to: HubSpotObjectType,
    toId: string,
    at: string,
  ): void {
    const dealId =
      from === 'deals' && to === 'contacts' ? fromId : to === 'deals' && from === 'contacts' ? toId : null;
    if (dealId === null) return;
    const n = recordN('deals', dealId);
    if (n === null || !this.exists('deals', n)) return;
    const count = String(this.associations('deals', n, 'contacts').length);
    if (this.get('deals', n)?.properties.num_associated_contacts === count) return;
    this.update('deals', n, { num_associated_contacts: count }, at, 'CALCULATED');
  }

  #dealActivitiesCsr(): Csr {
    this.#dealActivities ??= buildCsr(this.world.deals.length + 1, (emit) => {
      this.world.activities.forEach((a, i) => {
        emit(a.dealN, i);
      });
    });
    return this.#dealActivities;
  }

  #contactActivitiesCsr(): Csr {
    this.#contactActivities ??= buildCsr(this.world.contacts.length + 1, (emit) => {
      this.world.activities.forEach((a, i) => {
        for (const c of a.contactNs) emit(c, i);
      });
    });
    return this.#contactActivities;
  }

  #contactDealsCsr(): Csr {
    this.#contactDeals ??= buildCsr(this.world.contacts.length + 1, (emit) => {
      for (const d of this.world.deals) for (const c of d.contacts) emit(c.contactN, d.n);
    });
    return this.#contactDeals;
  }

  #companyDealsCsr(): Csr {
    this.#companyDeals ??= buildCsr(this.world.companies.length + 1, (emit) => {
      for (const d of this.world.deals) if (d.companyN !== null) emit(d.companyN, d.n);
    });
    return this.#companyDeals;
  }

  #companyContactsCsr(): Csr {
    this.#companyContacts ??= buildCsr(this.world.companies.length + 1, (emit) => {
      for (const c of this.world.contacts) if (c.companyN !== null) emit(c.companyN, c.n);
    });
    return this.#companyContacts;
  }
}

/** Compressed adjacency lists keyed 0..keyCount-1; keys outside the range are ignored. */
function buildCsr(keyCount: number, pairs: (emit: (key: number, value: number) => void) => void): Csr {
  const counts = new Int32Array(keyCount + 1);
  pairs((key, _value) => {
    if (key >= 0 && key < keyCount) counts[key + 1]! += 1;
  });
  for (let i = 1; i <= keyCount; i++) counts[i]! += counts[i - 1]!;
  const offsets = counts.slice();
  const values = new Int32Array(counts[keyCount]!);
  const cursor = counts.slice(0, keyCount);
  pairs((key, value) => {
    if (key >= 0 && key < keyCount) values[cursor[key]!++] = value;
  });
  return { offsets, values };
}

function eachCsr(csr: Csr, key: number, fn: (value: number) => void): void {
  if (key < 0 || key + 1 >= csr.offsets.length) return;
  for (let i = csr.offsets[key]!; i < csr.offsets[key + 1]!; i++) fn(csr.values[i]!);
}

function sortedNs(ns: number[]): Int32Array {
  return Int32Array.from(ns).sort();
}

/** Lookup by `n`: direct indexing when n = index + 1 (what the generator builds), else a map. */
function denseLookup<T extends { n: number }>(items: T[]): (n: number) => T | undefined {
  const index = denseIndex(items);
  return (n) => {
    const i = index(n);
    return i < 0 ? undefined : items[i];
  };
}

function denseIndex(items: { n: number }[]): (n: number) => number {
  const dense = items.every((item, i) => item.n === i + 1);
  if (dense) return (n) => (n >= 1 && n <= items.length ? n - 1 : -1);
  const map = new Map(items.map((item, i) => [item.n, i]));
  return (n) => map.get(n) ?? -1;
}
