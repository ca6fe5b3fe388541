// Turns the rows of a CRM export into a SandboxWorld (the sandbox then serves them as HubSpot deals
// or Salesforce opportunities, the qualification columns as custom fields). Every row is either
// imported or rejected with its line number and reason: nothing is dropped silently.

import type { SandboxWorld, WorldActivity, WorldDeal, WorldPipeline, WorldStage } from '../sandbox/world.ts';
import { type CsvRow, readCsvFile } from './csv-reader.ts';
import { type ColumnDateOrder, DateOrderSurvey, dateOrderWords, settleUnproven } from './date-order.ts';
import {
  type ImportMapping,
  ImportMappingSchema,
  type ResolvedMapping,
  resolveMapping,
} from './import-mapping.ts';
import { type DateOrder, normaliseLabel, parseAmount, parseDate } from './value-parsers.ts';

const DAY = 86_400_000;
/** Created date assumed when the export has none: this many days before the close (or import). */
const DEFAULT_DEAL_AGE_DAYS = 90;

interface RejectedRow {
  /** "deals" or "activities": which export the line is in. */
  file: 'deals' | 'activities';
  line: number;
  reason: string;
}

export interface ImportedField {
  field: string;
  label: string;
  column: string;
  kind: 'category' | 'boolean' | 'number';
}

export interface ImportResult {
  world: SandboxWorld;
  rows: number;
  imported: number;
  /** Rows of the activity export, and how many were imported. */
  activityRows: number;
  activities: number;
  rejected: RejectedRow[];
  /** Qualification fields, ready for Tenant.scoring.qualificationFields. */
  fields: ImportedField[];
  counts: { won: number; lost: number; open: number };
  /** Mapped column names the export does not have. */
  missingColumns: string[];
  /** Per date column holding local dates (03/04/2025): the order it was read in, and why. */
  dateOrders: ColumnDateOrder[];
  /**
   * Closed deals without a close date: `rejected` among the rejected rows (the default), or
   * `imported` with `allowMissingCloseDates` (then they close together at the world's today).
   */
  closedWithoutCloseDate: { rejected: number; imported: number };
}

export interface ImportOptions {
  /** Parsed mapping (see ImportMappingSchema). Default: usual export headers. */
  mapping?: ImportMapping;
  /** "Today" for open deals without dates (epoch ms). Default: the latest date in the export. */
  now?: number;
  /**
   * Import closed deals without a close date instead of rejecting them (evaluate
   * --allow-missing-close-dates). They all close at the world's today and their created dates are
   * set aside: no time order among them, so time-based checks see nothing. Not for sandbox worlds
   * (a Salesforce opportunity must have a close date).
   */
  allowMissingCloseDates?: boolean;
}

const ACTIVITY_COLUMNS = ['deal', 'type', 'date', 'direction', 'subject', 'body', 'outcome'] as const;
type ActivityColumn = (typeof ACTIVITY_COLUMNS)[number];
/** Usual headers of activity exports (HubSpot engagements, Salesforce tasks and events), lower-case. */
const ACTIVITY_ALIASES: Record<ActivityColumn, string[]> = {
  deal: [
    'deal id',
    'record id',
    'opportunity id',
    'associated deal',
    'deal',
    'deal name',
    'opportunity',
    'opportunity name',
    'related to',
  ],
  type: ['type', 'activity type', 'engagement type', 'task subtype', 'subtype'],
  date: ['date', 'activity date', 'timestamp', 'occurred at', 'start date', 'due date', 'created date'],
  direction: ['direction', 'call direction', 'email direction'],
  subject: ['subject', 'title'],
  body: ['body', 'notes', 'description', 'comments'],
  outcome: ['outcome', 'status', 'call outcome', 'meeting outcome'],
};

const BOOLEAN_WORDS = new Set([
  'true',
  'false',
  'yes',
  'no',
  'y',
  'n',
  '1',
  '0',
  'x',
  'checked',
  'unchecked',
  // The languages the scorer knows (field-encoding.ts): German, French, Spanish / Italian.
  'ja',
  'nein',
  'oui',
  'non',
  'si',
  'sí',
]);
const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x', 'checked', 'ja', 'oui', 'si', 'sí']);
const iso = (ms: number) => new Date(ms).toISOString();

function slug(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '')
      .slice(0, 40) || 'stage'
  );
}

/** Accumulates rows; `finish` returns the world. */
class ExportImporter {
  readonly #mapping: ImportMapping;
  #resolved: ResolvedMapping | null = null;
  #width = 0;
  readonly #won: Set<string>;
  readonly #lost: Set<string>;
  readonly #open: Set<string>;
  readonly #owners = new Map<string, number>();
  readonly #companies = new Map<string, number>();
  readonly #stages = new Map<string, WorldStage>();
  readonly #ids = new Map<string, number>();
  readonly #dealN = new Map<string, number>();
  readonly #dealByName = new Map<string, number>();
  readonly #deals: WorldDeal[] = [];
  /** Raw qualification values per deal (typed in `finish`, once every value is known). */
  readonly #raw: (string | null)[][] = [];
  readonly #rejected: RejectedRow[] = [];
  #rows = 0;
  #latest = Number.NEGATIVE_INFINITY;
  #counts = { won: 0, lost: 0, open: 0 };
  /** Date columns' orders, decided from every value before any row is read (`decideDateOrders`). */
  readonly #surveys: DateOrderSurvey[] = [];
  readonly #orderOf = new Map<DateOrderSurvey, DateOrder>();
  #dateOrders: ColumnDateOrder[] = [];
  #closeSurvey: DateOrderSurvey | null = null;
  #createdSurvey: DateOrderSurvey | null = null;
  #activitySurvey: DateOrderSurvey | null = null;
  #dealHeaderSeen = false;
  #activityHeaderSeen = false;

  readonly #allowMissingCloseDates: boolean;
  readonly #closedWithoutCloseDate = { rejected: 0, imported: 0 };
  /** Indices (in `deals`) of closed deals imported without a close date. */
  readonly #undated = new Set<number>();

  constructor(mapping: ImportMapping = ImportMappingSchema.parse({}), allowMissingCloseDates = false) {
    this.#mapping = mapping;
    this.#allowMissingCloseDates = allowMissingCloseDates;
    this.#won = new Set(mapping.won.map(normaliseLabel));
    this.#lost = new Set(mapping.lost.map(normaliseLabel));
    this.#open = new Set(mapping.open.map(normaliseLabel));
  }

  /** First pass over the deal export: its header, and every value of its date columns. */
  surveyDeal(row: CsvRow): void {
    if (this.#resolved === null) {
      this.#resolved = resolveMapping(row.fields, this.#mapping);
      this.#width = row.fields.length;
      const header = row.fields;
      const { closeDate, createdAt } = this.#resolved.index;
      if (closeDate >= 0) this.#closeSurvey = this.#newSurvey('deals', header[closeDate]!);
      if (createdAt >= 0) this.#createdSurvey = this.#newSurvey('deals', header[createdAt]!);
      return;
    }
    // A row of the wrong width is rejected anyway; its misplaced cells must not prove an order.
    if (row.fields.length !== this.#width) return;
    const m = this.#resolved.index;
    this.#closeSurvey?.add(this.#cell(row.fields, m.closeDate), row.line);
    this.#createdSurvey?.add(this.#cell(row.fields, m.createdAt), row.line);
  }

  /** First pass over the activity export. */
  surveyActivity(row: CsvRow): void {
    if (this.#activityHeader === null) {
      this.#readActivityHeader(row);
      const i = this.#activityHeader!.date;
      if (i >= 0) this.#activitySurvey = this.#newSurvey('activities', row.fields[i]!);
      return;
    }
    if (row.fields.length !== this.#activityWidth) return;
    this.#activitySurvey?.add(this.#cell(row.fields, this.#activityHeader.date), row.line);
  }

  #newSurvey(file: ColumnDateOrder['file'], column: string): DateOrderSurvey {
    const s = new DateOrderSurvey(file, column.trim());
    this.#surveys.push(s);
    return s;
  }

  /** Settles every date column's order; throws IMPORT_DATE_ORDER_CONFLICT for a self-contradicting one. */
  decideDateOrders(): void {
    const decided = this.#surveys.flatMap((s) => {
      const d = s.decide(this.#mapping.dateOrder);
      return d === null ? [] : [{ s, d }];
    });
    this.#dateOrders = settleUnproven(decided.map((x) => x.d));
    decided.forEach(({ s }, i) => {
      this.#orderOf.set(s, this.#dateOrders[i]!.order);
    });
  }

  /** Reads one date cell in its column's order; the reason when it cannot. */
  #date(
    raw: string,
    survey: DateOrderSurvey | null,
    what: string,
  ): { at: number | null; reason: string | null } {
    if (raw === '') return { at: null, reason: null };
    const order = survey ? this.#orderOf.get(survey) : undefined;
    const at = parseDate(raw, order);
    if (at !== null) return { at, reason: null };
    const otherWay = order !== undefined && parseDate(raw, order === 'dmy' ? 'mdy' : 'dmy') !== null;
    return {
      at: null,
      reason: otherWay
        ? `${what} "${raw}" is not a ${dateOrderWords(order)} date (the column is read ${dateOrderWords(order)}: the mapping's dateOrder)`
        : `${what} "${raw}" is not a date`,
    };
  }

  /** Second pass: feeds one CSV record of the deal export; the first is the header. */
  add(row: CsvRow): void {
    if (!this.#dealHeaderSeen) {
      this.#dealHeaderSeen = true;
      if (this.#resolved === null) this.surveyDeal(row);
      return;
    }
    this.#rows++;
    const reason = this.#addDeal(row);
    if (reason !== null) this.#rejected.push({ file: 'deals', line: row.line, reason });
  }

  #activityHeader: Record<ActivityColumn, number> | null = null;
  #activityWidth = 0;
  readonly #activities: WorldActivity[] = [];
  #activityRows = 0;

  #readActivityHeader(row: CsvRow): void {
    const norm = row.fields.map(normaliseLabel);
    this.#activityHeader = Object.fromEntries(
      ACTIVITY_COLUMNS.map((c) => [
        c,
        ACTIVITY_ALIASES[c].map((a) => norm.indexOf(a)).find((i) => i >= 0) ?? -1,
      ]),
    ) as Record<ActivityColumn, number>;
    this.#activityWidth = row.fields.length;
  }

  /** Second pass: one record of the activity export (after every deal row); the first is its header. */
  addActivity(row: CsvRow): void {
    if (!this.#activityHeaderSeen) {
      this.#activityHeaderSeen = true;
      if (this.#activityHeader === null) this.#readActivityHeader(row);
      return;
    }
    this.#activityRows++;
    const reason = this.#addActivityRow(row);
    if (reason !== null) this.#rejected.push({ file: 'activities', line: row.line, reason });
  }

  #addActivityRow(row: CsvRow): string | null {
    const h = this.#activityHeader!;
    const f = row.fields;
    if (f.length !== this.#activityWidth)
      return `has ${f.length} fields, the header has ${this.#activityWidth}`;
    const get = (c: ActivityColumn) => this.#cell(f, h[c]);
    const dealRef = get('deal');
    if (dealRef === '') return 'no deal id or name';
    const dealN = this.#dealN.get(dealRef) ?? this.#dealByName.get(dealRef);
    if (dealN === undefined) return `deal "${dealRef}" is not in the deal export (or was rejected)`;
    const typeRaw = normaliseLabel(get('type'));
    const type: WorldActivity['type'] | undefined = /e-?mail/.test(typeRaw)
      ? 'email'
      : /call|phone/.test(typeRaw)
        ? 'call'
        : /meeting|event/.test(typeRaw)
          ? 'meeting'
          : /note/.test(typeRaw)
            ? 'note'
            : /task|to-?do/.test(typeRaw)
              ? 'task'
              : undefined;
    if (type === undefined)
      return `activity type "${get('type')}" is not an email, call, meeting, note or task`;
    const dateRaw = get('date');
    if (dateRaw === '') return 'no activity date';
    const { at, reason } = this.#date(dateRaw, this.#activitySurvey, 'activity date');
    if (at === null) return reason;
    const dirRaw = normaliseLabel(get('direction'));
    const direction = /^(in|inbound|incoming|received)/.test(dirRaw)
      ? 'inbound'
      : /^(out|outbound|outgoing|sent)/.test(dirRaw)
        ? 'outbound'
        : null;
    const outcome = get('outcome')
      .toUpperCase()
      .replace(/[\s-]+/g, '_');
    const deal = this.#deals[dealN - 1]!;
    this.#activities.push({
      n: this.#activities.length + 1,
      type,
      dealN,
      contactNs: [],
      ownerN: deal.ownerN,
      occurredAt: iso(at),
      direction: type === 'email' || type === 'call' ? (direction ?? 'outbound') : null,
      isReply: null,
      subject: get('subject') || type,
      body: get('body'),
      callStatus: type === 'call' ? (outcome === '' ? 'COMPLETED' : outcome) : null,
      durationSeconds: null,
      meetingOutcome: type === 'meeting' ? (outcome === '' ? 'COMPLETED' : outcome) : null,
      meetingEndAt: type === 'meeting' ? iso(at + 3_600_000) : null,
      taskStatus: type === 'task' ? (outcome === '' ? 'COMPLETED' : outcome) : null,
      taskDueAt: type === 'task' ? iso(at) : null,
      messy: null,
    });
    return null;
  }

  #cell(fields: readonly string[], i: number): string {
    return i < 0 ? '' : (fields[i] ?? '').trim();
  }

  #addDeal(row: CsvRow): string | null {
    const m = this.#resolved!;
    const f = row.fields;
    if (f.length !== this.#width) return `has ${f.length} fields, the header has ${this.#width}`;
    const get = (c: keyof ResolvedMapping['index']) => this.#cell(f, m.index[c]);
    // Exports without ids or names: the physical line is the row's id ("row 12"), never a rejection.
    const id = get('id') || get('name') || `row ${row.line}`;
    const name = get('name') || id;
    if (this.#ids.has(id)) return `duplicate deal "${id}" (first on line ${this.#ids.get(id)})`;

    // Outcome: the outcome column, else the stage when it names a closed stage.
    const outcomeRaw = m.index.outcome >= 0 ? get('outcome') : get('stage');
    const o = normaliseLabel(outcomeRaw);
    const outcome = this.#won.has(o)
      ? 'won'
      : this.#lost.has(o)
        ? 'lost'
        : this.#open.has(o) || m.index.outcome < 0
          ? 'open'
          : null;
    if (outcome === null)
      return `outcome "${outcomeRaw}" is not a won value (${this.#mapping.won.join(', ')}), a lost value (${this.#mapping.lost.join(', ')}) or open`;

    const amountRaw = get('amount');
    const amount = amountRaw === '' ? null : parseAmount(amountRaw);
    if (amountRaw !== '' && amount === null) return `amount "${amountRaw}" is not a number`;
    const closeRaw = get('closeDate');
    const { at: close, reason: closeBad } = this.#date(closeRaw, this.#closeSurvey, 'close date');
    if (closeBad !== null) return closeBad;
    const undated = outcome !== 'open' && close === null;
    if (undated && !this.#allowMissingCloseDates) {
      this.#closedWithoutCloseDate.rejected++;
      return `${outcome} deal without a close date (evaluate --allow-missing-close-dates takes it, without time-based checks)`;
    }
    const createdRaw = get('createdAt');
    const { at: created, reason: createdBad } = this.#date(createdRaw, this.#createdSurvey, 'created date');
    if (createdBad !== null) return createdBad;
    if (created !== null && close !== null && outcome !== 'open' && created > close)
      return `created (${createdRaw}) after the close date (${closeRaw})`;

    // "Today" of the world: just after the last recorded event (an open deal's close date is a plan).
    for (const t of [outcome === 'open' ? null : close, undated ? null : created])
      if (t !== null && t > this.#latest) this.#latest = t;
    // No owner stays no owner: one shared stand-in owner would pool every ownerless deal, and its
    // running win rate would carry time order into the owner track-record feature (issue 15).
    const ownerName = get('owner');
    let ownerN: number | null = null;
    if (ownerName !== '') {
      ownerN = this.#owners.get(ownerName) ?? this.#owners.size + 1;
      this.#owners.set(ownerName, ownerN);
    }
    const account = get('account');
    let companyN: number | null = null;
    if (account !== '') {
      companyN = this.#companies.get(account) ?? this.#companies.size + 1;
      this.#companies.set(account, companyN);
    }
    const stageLabel =
      outcome === 'won' ? 'Closed Won' : outcome === 'lost' ? 'Closed Lost' : get('stage') || 'Open';
    const stageKey =
      outcome === 'won' ? 'closedwon' : outcome === 'lost' ? 'closedlost' : `s${slug(stageLabel)}`;
    if (!this.#stages.has(stageKey)) {
      this.#stages.set(stageKey, {
        key: stageKey,
        label: stageLabel,
        order: 0,
        isClosed: outcome !== 'open',
        isWon: outcome === 'won',
        probability: outcome === 'won' ? 1 : 0,
      });
    }
    this.#counts[outcome]++;
    if (undated) {
      this.#closedWithoutCloseDate.imported++;
      this.#undated.add(this.#deals.length);
    }
    this.#ids.set(id, row.line);
    const n = this.#deals.length + 1;
    this.#dealN.set(id, n);
    if (name !== '' && !this.#dealByName.has(name)) this.#dealByName.set(name, n);
    // Dates are completed in `finish` (open deals without dates need the export's latest date).
    this.#deals.push({
      n,
      name: name || id,
      pipelineKey: 'default',
      stageKey,
      amount,
      closeDate: close === null ? null : iso(close).slice(0, 10),
      createdAt: created === null ? '' : iso(created),
      updatedAt: '',
      closedAt: outcome === 'open' || close === null ? null : iso(close + 12 * 3_600_000),
      ownerN,
      companyN,
      nextStep: null,
      nextStepUpdatedAt: null,
      stageHistory: [],
      closeDateHistory: [],
      amountHistory: [],
      contacts: [],
      qualification: {},
      messy: null,
    });
    this.#raw.push(m.qualification.map((q) => this.#cell(f, q.index) || null));
    return null;
  }

  finish(options: { now?: number } = {}): ImportResult {
    const m = this.#resolved ?? resolveMapping([], this.#mapping);
    const now = options.now ?? (Number.isFinite(this.#latest) ? this.#latest + DAY : 0);
    // Qualification kinds: given, else inferred from every value of the column.
    const fields: ImportedField[] = m.qualification.map((q, j) => {
      let kind = q.kind;
      if (kind === undefined) {
        const values = this.#raw.map((r) => r[j]).filter((v): v is string => v !== null && v !== undefined);
        kind =
          values.length > 0 && values.every((v) => BOOLEAN_WORDS.has(normaliseLabel(v)))
            ? 'boolean'
            : values.length > 0 && values.every((v) => parseAmount(v) !== null)
              ? 'number'
              : 'category';
      }
      return { field: q.field, label: q.label, column: q.column, kind };
    });
    // Open stages in the mapping's order (`stages`), then the rest in order of first appearance,
    // then won and lost.
    const rank = new Map(this.#mapping.stages.map((label, i) => [normaliseLabel(label), i]));
    const open = [...this.#stages.values()]
      .filter((s) => !s.isClosed)
      .map((s, i) => ({ s, i, r: rank.get(normaliseLabel(s.label)) ?? Number.MAX_SAFE_INTEGER }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.s);
    open.forEach((s, i) => {
      s.order = i;
      s.probability = Math.round(((10 + (80 * (i + 1)) / (open.length + 1)) / 100) * 100) / 100;
    });
    const closed = [...this.#stages.values()].filter((s) => s.isClosed);
    closed.forEach((s, i) => {
      s.order = open.length + i;
    });
    const first = open[0]?.key ?? 'sopen';
    const pipeline: WorldPipeline = {
      key: 'default',
      label: 'Imported pipeline',
      stages: [...open, ...closed],
    };
    if (open.length === 0)
      pipeline.stages.unshift({
        key: 'sopen',
        label: 'Open',
        order: -1,
        isClosed: false,
        isWon: false,
        probability: 0.5,
      });
    this.#deals.forEach((d, i) => {
      // Closed without a close date (allowed on request): every one closes at today, aged the
      // default, so none is earlier or older than another (its created date alone means nothing).
      if (this.#undated.has(i)) {
        d.closedAt = iso(now);
        d.createdAt = '';
      }
      const end = d.closedAt !== null ? Date.parse(d.closedAt) : now;
      const created = d.createdAt !== '' ? Date.parse(d.createdAt) : end - DEFAULT_DEAL_AGE_DAYS * DAY;
      d.createdAt = iso(created);
      d.updatedAt = iso(Math.max(created, d.closedAt !== null ? Date.parse(d.closedAt) : created));
      d.stageHistory =
        d.closedAt !== null
          ? [
              { stageKey: first, enteredAt: d.createdAt },
              { stageKey: d.stageKey, enteredAt: d.closedAt },
            ]
          : [{ stageKey: d.stageKey, enteredAt: d.createdAt }];
      const raw = this.#raw[i]!;
      fields.forEach((fd, j) => {
        const v = raw[j] ?? null;
        d.qualification[fd.field] =
          v === null
            ? null
            : fd.kind === 'boolean'
              ? TRUE_WORDS.has(normaliseLabel(v))
              : fd.kind === 'number'
                ? (parseAmount(v) ?? v)
                : v;
      });
    });
    const world: SandboxWorld = {
      seed: 0,
      now: iso(now),
      owners: [...this.#owners.entries()].map(([name, n]) => {
        const [firstName, ...rest] = name.split(' ');
        const email = `${slug(name)}.${n}@imported.invalid`;
        return { n, firstName: firstName ?? name, lastName: rest.join(' '), email, team: 'Imported' };
      }),
      pipelines: [pipeline],
      companies: [...this.#companies.entries()].map(([name, n]) => ({
        n,
        name,
        domain: `${slug(name)}.invalid`,
        industry: null,
        employees: null,
        annualRevenue: null,
      })),
      contacts: [],
      deals: this.#deals,
      activities: this.#activities,
      targets: [],
    };
    return {
      world,
      rows: this.#rows,
      imported: this.#deals.length,
      activityRows: this.#activityRows,
      activities: this.#activities.length,
      rejected: this.#rejected,
      fields,
      counts: this.#counts,
      missingColumns: m.missing,
      dateOrders: this.#dateOrders,
      closedWithoutCloseDate: this.#closedWithoutCloseDate,
    };
  }
}

/**
 * Imports an export file (streamed), and optionally an activity export linked to its deals. Each
 * file is read twice: first every value of its date columns (to settle each column's day-month
 * order from all of them), then the rows.
 */
export async function importExportFile(
  path: string,
  options: ImportOptions & { activities?: string } = {},
): Promise<ImportResult> {
  const importer = new ExportImporter(options.mapping, options.allowMissingCloseDates ?? false);
  for await (const row of readCsvFile(path)) importer.surveyDeal(row);
  if (options.activities)
    for await (const row of readCsvFile(options.activities)) importer.surveyActivity(row);
  importer.decideDateOrders();
  for await (const row of readCsvFile(path)) importer.add(row);
  if (options.activities) for await (const row of readCsvFile(options.activities)) importer.addActivity(row);
  return importer.finish(options.now === undefined ? {} : { now: options.now });
}
