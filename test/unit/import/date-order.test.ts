// Issue 15 item 7: the date order (day-month or month-day) is decided once per column from all its
// values. Oracle: the calendar. A first part above 12 can only be a day ("31/12/2025" is 31 Dec),
// a second part above 12 only a day ("12/31/2025"); a column holding both kinds contradicts itself.
// Before: each value was read on its own (a day above 12 decided, else month-day), so "05/07/2025"
// beside "31/12/2025" was read as 7 May, and created dates after the close rejected rows.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DateOrderSurvey, settleUnproven } from '../../../src/import/date-order.ts';
import { importExportFile } from '../../../src/import/export-importer.ts';
import { ImportMappingSchema } from '../../../src/import/import-mapping.ts';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';
import { AppError } from '../../../src/shared/app-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'ph-date-order-'));
const csv = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function survey(values: string[]): DateOrderSurvey {
  const s = new DateOrderSurvey('deals', 'Close Date');
  values.forEach((v, i) => {
    s.add(v, i + 2);
  });
  return s;
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('the date order of one column', () => {
  it('a first part above 12 proves day-month for the whole column', () => {
    const d = survey(['05/07/2025', '2025-01-02', '31/12/2025', '01.02.25']).decide(undefined);
    expect(d).toEqual({
      file: 'deals',
      column: 'Close Date',
      order: 'dmy',
      why: 'values',
      proof: { value: '31/12/2025', line: 4 },
      against: null,
      ambiguous: 2,
    });
  });

  it('a second part above 12 proves month-day', () => {
    const d = survey(['12/31/2025', '01/02/2025']).decide(undefined);
    expect(d).toMatchObject({ order: 'mdy', why: 'values', proof: { value: '12/31/2025', line: 2 } });
  });

  it('nothing proving either: the mapping order, else the default (month-day), and says so', () => {
    expect(survey(['01/02/2025', '03/04/2025']).decide('dmy')).toMatchObject({
      order: 'dmy',
      why: 'mapping',
      proof: null,
      ambiguous: 2,
    });
    expect(survey(['01/02/2025', '03/04/2025']).decide(undefined)).toMatchObject({
      order: 'mdy',
      why: 'default',
      proof: null,
    });
  });

  it('a column without local dates needs no decision', () => {
    expect(survey(['2025-01-02', '', '14 Mar 2025', 'March 14, 2025']).decide(undefined)).toBeNull();
  });

  it('a column proving both orders is a clear error naming the column, both values and lines', () => {
    const err = thrown(() =>
      survey(['01/02/2025', '13/01/2025', '02/02/2025', '01/13/2025']).decide(undefined),
    );
    expect(err.code).toBe('IMPORT_DATE_ORDER_CONFLICT');
    expect(err.details).toEqual({
      file: 'deals',
      column: 'Close Date',
      dmy: { value: '13/01/2025', line: 3 },
      mdy: { value: '01/13/2025', line: 5 },
    });
  });

  it('the mapping order settles a contradicting column; the value against it is named', () => {
    expect(survey(['13/01/2025', '01/13/2025']).decide('dmy')).toMatchObject({
      order: 'dmy',
      why: 'mapping',
      proof: { value: '13/01/2025', line: 2 },
      against: { value: '01/13/2025', line: 3 },
    });
  });
});

// An 80-row day-month export like the real one: every created and close date local, many with a
// day of 12 or less.
function dayMonthExport(): { text: string; expected: { close: string; created: string }[] } {
  const rand = mulberry32(80);
  const lines = ['Deal Name,Status,Close Date,Create Date'];
  const expected: { close: string; created: string }[] = [];
  const dmy = (t: number) => {
    const x = new Date(t);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(x.getUTCDate())}/${p(x.getUTCMonth() + 1)}/${x.getUTCFullYear()}`;
  };
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let i = 0; i < 80; i++) {
    const close = start + Math.floor(rand() * 360) * 86_400_000;
    const created = close - (10 + Math.floor(rand() * 60)) * 86_400_000;
    lines.push(`D${i},${rand() < 0.4 ? 'Won' : 'Lost'},${dmy(close)},${dmy(created)}`);
    expected.push({
      close: new Date(close).toISOString().slice(0, 10),
      created: new Date(created).toISOString(),
    });
  }
  return { text: `${lines.join('\n')}\n`, expected };
}

describe('importing a column of local dates', () => {
  it('reads a whole day-month column day-month: no row rejected or swapped', async () => {
    const { text, expected } = dayMonthExport();
    // The export mixes both kinds of values in one column (checked, so the test means something).
    expect(text).toMatch(/,(0\d|1[0-2])\/\d\d\/2025,/);
    expect(text).toMatch(/,(1[3-9]|2\d|3[01])\/\d\d\/2025,/);
    const r = await importExportFile(csv('dmy.csv', text));
    expect(r.rejected).toEqual([]);
    expect(r.imported).toBe(80);
    expect(r.world.deals.map((d) => ({ close: d.closeDate, created: d.createdAt }))).toEqual(expected);
    expect(r.dateOrders).toEqual([
      expect.objectContaining({ file: 'deals', column: 'Close Date', order: 'dmy', why: 'values' }),
      expect.objectContaining({ file: 'deals', column: 'Create Date', order: 'dmy', why: 'values' }),
    ]);
  });

  it('the issue example: "05/07/2025" and "31/12/2025" in one column are both day-month', async () => {
    const r = await importExportFile(
      csv('two.csv', 'Deal Name,Status,Close Date\nA,Won,05/07/2025\nB,Lost,31/12/2025\n'),
    );
    expect(r.world.deals.map((d) => d.closeDate)).toEqual(['2025-07-05', '2025-12-31']);
  });

  it('a column that contradicts itself stops the import with the column, values and lines', async () => {
    const path = csv(
      'both.csv',
      'Deal Name,Status,Close Date\nA,Won,13/01/2025\nB,Lost,02/03/2025\nC,Won,01/14/2025\n',
    );
    const err = await importExportFile(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('IMPORT_DATE_ORDER_CONFLICT');
    expect((err as AppError).details).toMatchObject({
      column: 'Close Date',
      dmy: { value: '13/01/2025', line: 2 },
      mdy: { value: '01/14/2025', line: 4 },
    });
  });

  it('with the order set in the mapping, the rows against it are rejected with their line', async () => {
    const path = csv(
      'both-mapped.csv',
      'Deal Name,Status,Close Date\nA,Won,13/01/2025\nB,Lost,02/03/2025\nC,Won,01/14/2025\n',
    );
    const r = await importExportFile(path, { mapping: ImportMappingSchema.parse({ dateOrder: 'dmy' }) });
    expect(r.world.deals.map((d) => d.closeDate)).toEqual(['2025-01-13', '2025-03-02']);
    expect(r.rejected).toEqual([{ file: 'deals', line: 4, reason: expect.stringContaining('"01/14/2025"') }]);
    expect(r.dateOrders).toEqual([
      expect.objectContaining({ column: 'Close Date', order: 'dmy', why: 'mapping' }),
    ]);
  });

  it('the activity export decides its own date column', async () => {
    const deals = csv('deals-o.csv', 'Deal ID,Deal Name,Status,Close Date\n1,A,Won,2025-03-01\n');
    const acts = csv(
      'acts-o.csv',
      'Associated Deal,Activity Type,Activity Date\n1,Call,02/01/2025\n1,Email,02/13/2025\n',
    );
    const r = await importExportFile(deals, { activities: acts });
    expect(r.world.activities.map((a) => a.occurredAt.slice(0, 10))).toEqual(['2025-02-01', '2025-02-13']);
    expect(r.dateOrders).toEqual([
      expect.objectContaining({ file: 'activities', column: 'Activity Date', order: 'mdy', why: 'values' }),
    ]);
  });
});

describe('a column no value of which proves an order', () => {
  it('follows the order another date column of the same export proves', async () => {
    // Created dates all readable both ways; the close dates prove day-month. Read month-day, deal A
    // would be created on 2 Jan and deal B on 3 Feb instead of 1 Feb and 2 Mar.
    const r = await importExportFile(
      csv(
        'sibling.csv',
        'Deal Name,Status,Close Date,Create Date\nA,Won,05/07/2025,01/02/2025\nB,Lost,31/12/2025,02/03/2025\n',
      ),
    );
    expect(r.world.deals.map((d) => d.createdAt.slice(0, 10))).toEqual(['2025-02-01', '2025-03-02']);
    expect(r.dateOrders[1]).toMatchObject({
      column: 'Create Date',
      order: 'dmy',
      why: 'export',
      proofColumn: 'Close Date',
    });
  });

  it('keeps the default when the other columns disagree or prove nothing', () => {
    const close = survey(['01/02/2025']).decide(undefined)!;
    expect(settleUnproven([close])).toEqual([close]);
    const a = { ...close, column: 'A', why: 'values' as const, order: 'dmy' as const };
    const b = { ...close, column: 'B', why: 'values' as const, order: 'mdy' as const };
    expect(settleUnproven([a, b, close])[2]).toEqual(close);
  });
});
