import { stringify } from 'csv-stringify/sync';
import type { OpenDealRow } from './open-deals.ts';

const COLUMNS = [
  'Deal ID',
  'Deal',
  'Owner',
  'Stage',
  'Amount',
  'Currency',
  'Close date',
  'Score',
  'Band',
  'Top reason',
  'Record link',
] as const;

/**
 * CRM text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) gets a
 * leading apostrophe (OWASP "CSV Injection"): deal names and reasons come from the CRM's users.
 */
function cellText(value: string | null): string {
  if (value === null) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The open-deals table as CSV (UTF-8 with a BOM so spreadsheets read accents), in the table's order. */
export function openDealsCsv(rows: readonly OpenDealRow[]): string {
  return stringify(
    rows.map((r) => [
      r.dealId,
      cellText(r.name),
      r.owner === null ? '-' : cellText(r.owner),
      r.stage === null ? '-' : cellText(r.stage),
      r.amount === null ? '' : String(r.amount),
      r.currency ?? '',
      r.closeDate ?? '',
      String(Math.round(r.score)),
      r.band.replace('_', ' '),
      cellText(r.topReason),
      r.recordUrl ?? '',
    ]),
    { header: true, columns: [...COLUMNS], bom: true },
  );
}
