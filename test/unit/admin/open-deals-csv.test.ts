// CSV export: CRM text a spreadsheet would run as a formula gets a leading apostrophe
// (OWASP, CSV Injection: https://owasp.org/www-community/attacks/CSV_Injection).
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openDealsCsv } from '../../../src/admin/report/open-deals-csv.ts';
import type { OpenDealRow } from '../../../src/admin/report/open-deals.ts';

const row: OpenDealRow = {
  dealId: 'd1',
  name: '=HYPERLINK("http://evil.example","click")',
  ownerId: 'o1',
  owner: '@Ann, "the" owner',
  stage: 'Negotiation',
  amount: 12500.5,
  currency: 'EUR',
  closeDate: '2026-12-31',
  score: 41.6,
  band: 'watch',
  topReason: '+3 pushes of the close date',
  recordUrl: 'https://app.hubspot.com/contacts/1/record/0-3/d1',
};

describe('openDealsCsv', () => {
  it('writes one header and one row per deal, quoting and defusing formula text', () => {
    const csv = openDealsCsv([
      row,
      { ...row, dealId: 'd2', name: 'Plain', owner: null, amount: null, topReason: null },
    ]);
    expect(csv.startsWith('\ufeff')).toBe(true);
    const rows = parse(csv, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      'Deal ID': 'd1',
      Deal: `'=HYPERLINK("http://evil.example","click")`,
      Owner: `'@Ann, "the" owner`,
      Stage: 'Negotiation',
      Amount: '12500.5',
      Currency: 'EUR',
      'Close date': '2026-12-31',
      Score: '42',
      Band: 'watch',
      'Top reason': `'+3 pushes of the close date`,
      'Record link': 'https://app.hubspot.com/contacts/1/record/0-3/d1',
    });
    expect(rows[1]).toMatchObject({ Deal: 'Plain', Owner: '-', Amount: '', 'Top reason': '' });
  });
});
