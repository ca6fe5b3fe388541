// How an export's columns map onto a deal: a YAML/JSON mapping file, else the CRMs' usual export
// headers. Columns that map to nothing become qualification fields (custom fields in the sandbox).

import { z } from 'zod';
import { normaliseLabel } from './value-parsers.ts';

export const DEAL_COLUMNS = [
  'id',
  'name',
  'outcome',
  'stage',
  'amount',
  'currency',
  'closeDate',
  'createdAt',
  'owner',
  'account',
] as const;
export type DealColumn = (typeof DEAL_COLUMNS)[number];

export const QualificationColumnSchema = z.object({
  /** Header of the column in the export. */
  column: z.string().min(1),
  /** Field name in the CRM (HubSpot property / Salesforce field without `__c`). Default: from the header. */
  field: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be letters, digits and underscores')
    .optional(),
  /** Default: the header. */
  label: z.string().min(1).optional(),
  /** Default: inferred from the values (boolean, number, else category). */
  kind: z.enum(['category', 'boolean', 'number']).optional(),
});

export const ImportMappingSchema = z.object({
  /** Header of the export column holding each deal attribute (case-insensitive). */
  columns: z.partialRecord(z.enum(DEAL_COLUMNS), z.string().min(1)).default({}),
  /** Outcome (or stage) values meaning won / lost / still open, case-insensitive. */
  won: z.array(z.string()).default(['won', 'closed won', 'closedwon', 'win', 'yes', 'true', '1']),
  lost: z.array(z.string()).default(['lost', 'closed lost', 'closedlost', 'loss', 'no', 'false', '0']),
  open: z.array(z.string()).default(['', 'open', 'in progress', 'pending']),
  /**
   * How to read local dates such as 03/04/2025, for every date column. Unset: each column's order
   * is decided from all its values (date-order.ts), mdy when none proves one.
   */
  dateOrder: z.enum(['dmy', 'mdy']).optional(),
  /** Currency when the export has no currency column. Default USD. */
  currency: z.string().min(3).max(3).default('USD'),
  /** Qualification columns. Default: every column not mapped above. */
  qualification: z.array(QualificationColumnSchema).optional(),
  /** Columns to leave out entirely (when `qualification` is not given). */
  ignore: z.array(z.string()).default([]),
  /** Open stage labels in funnel order (case-insensitive); unlisted stages follow by first appearance. */
  stages: z.array(z.string().min(1)).default([]),
});
export type ImportMapping = z.infer<typeof ImportMappingSchema>;

/** Usual headers of HubSpot and Salesforce exports (and plain ones), lower-case. */
const ALIASES: Record<DealColumn, string[]> = {
  id: ['record id', 'deal id', 'opportunity id', 'id', 'opportunity id (18)'],
  name: ['deal name', 'opportunity name', 'name', 'deal'],
  outcome: ['outcome', 'status', 'result', 'won/lost', 'won', 'is won', 'win/loss'],
  stage: ['deal stage', 'stage', 'stage name', 'dealstage'],
  amount: ['amount', 'deal amount', 'amount (converted)', 'total contract value', 'value'],
  currency: ['currency', 'deal currency code', 'opportunity currency', 'currency code'],
  closeDate: ['close date', 'closedate', 'closed date', 'close', 'closed'],
  createdAt: ['create date', 'created date', 'createdate', 'created', 'created at'],
  owner: ['deal owner', 'opportunity owner', 'owner', 'owner name', 'hubspot owner'],
  account: ['company', 'account name', 'account', 'associated company', 'company name'],
};

export interface ResolvedQualification {
  index: number;
  column: string;
  field: string;
  label: string;
  kind: 'category' | 'boolean' | 'number' | undefined;
}

export interface ResolvedMapping {
  /** Column index per deal attribute (-1 when absent). */
  index: Record<DealColumn, number>;
  qualification: ResolvedQualification[];
  /** Mapped header names that were not found in the export. */
  missing: string[];
}

/** A field name from a header: "Budget Allocated?" -> "budget_allocated". */
export function fieldNameOf(header: string): string {
  const s = header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(s) ? s : `f_${s || 'column'}`;
}

/**
 * A header as words: snake_case, kebab-case, dotted and camelCase become spaced lower case
 * ("Close_Date", "close-date", "CloseDate" -> "close date"), so exports match without a mapping.
 */
export function headerWords(h: string): string {
  return normaliseLabel(h.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_\-.]+/g, ' '));
}

/** Matches the mapping to the export's header row. */
export function resolveMapping(header: readonly string[], mapping: ImportMapping): ResolvedMapping {
  const norm = header.map(headerWords);
  const index = Object.fromEntries(DEAL_COLUMNS.map((c) => [c, -1])) as Record<DealColumn, number>;
  const missing: string[] = [];
  const used = new Set<number>();
  for (const c of DEAL_COLUMNS) {
    const named = mapping.columns[c];
    if (named !== undefined) {
      const i = norm.indexOf(headerWords(named));
      if (i < 0) missing.push(named);
      index[c] = i;
    } else {
      index[c] =
        ALIASES[c]
          .map((a) => norm.findIndex((h, j) => h === headerWords(a) && !used.has(j)))
          .find((i) => i >= 0) ?? -1;
    }
    if (index[c] >= 0) used.add(index[c]);
  }
  const qualification: ResolvedQualification[] = [];
  const names = new Set<string>();
  const add = (
    i: number,
    q: { field?: string | undefined; label?: string | undefined; kind?: ResolvedQualification['kind'] },
  ) => {
    let field = q.field ?? fieldNameOf(header[i]!);
    while (names.has(field)) field = `${field}_2`;
    names.add(field);
    qualification.push({
      index: i,
      column: header[i]!,
      field,
      label: q.label ?? header[i]!.trim(),
      kind: q.kind,
    });
  };
  if (mapping.qualification) {
    for (const q of mapping.qualification) {
      const i = norm.indexOf(headerWords(q.column));
      if (i < 0) missing.push(q.column);
      else add(i, q);
    }
  } else {
    const ignored = new Set(mapping.ignore.map(headerWords));
    header.forEach((_h, i) => {
      if (!used.has(i) && !ignored.has(norm[i]!) && norm[i] !== '') add(i, {});
    });
  }
  return { index, qualification, missing };
}
