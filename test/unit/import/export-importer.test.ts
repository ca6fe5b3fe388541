import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importExportFile } from '../../../src/import/export-importer.ts';
import { ImportMappingSchema } from '../../../src/import/import-mapping.ts';
import { parseAmount, parseDate } from '../../../src/import/value-parsers.ts';

const dir = mkdtempSync(join(tmpdir(), 'ph-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('value parsers', () => {
  it('reads ISO and local dates; the day > 12 or the configured order settles the ambiguity', () => {
    const d = (s: string, o?: 'dmy' | 'mdy') => {
      const t = parseDate(s, o);
      return t === null ? null : new Date(t).toISOString();
    };
    expect(d('2025-03-14')).toBe('2025-03-14T00:00:00.000Z');
    expect(d('2025-03-14T09:30:00Z')).toBe('2025-03-14T09:30:00.000Z');
    expect(d('2025-03-14 09:30')).toBe('2025-03-14T09:30:00.000Z');
    expect(d('2025-03-14T10:30:00+01:00')).toBe('2025-03-14T09:30:00.000Z');
    expect(d('14/03/2025')).toBe('2025-03-14T00:00:00.000Z');
    expect(d('03/14/2025')).toBe('2025-03-14T00:00:00.000Z');
    expect(d('03/04/2025')).toBe('2025-03-04T00:00:00.000Z');
    expect(d('03/04/2025', 'dmy')).toBe('2025-04-03T00:00:00.000Z');
    expect(d('14.03.25')).toBe('2025-03-14T00:00:00.000Z');
    expect(d('3/14/2025 2:05 PM')).toBe('2025-03-14T14:05:00.000Z');
    expect(d('2025/3/14')).toBe('2025-03-14T00:00:00.000Z');
    expect(d('14 Mar 2025')).toBe('2025-03-14T00:00:00.000Z');
    expect(d('March 14, 2025')).toBe('2025-03-14T00:00:00.000Z');
    for (const bad of ['31/02/2025', '2025-13-01', 'next week', '14/03', '']) expect(d(bad)).toBeNull();
  });

  it('reads amounts with currency symbols, codes and thousands separators', () => {
    expect(parseAmount('$1,250,000.50')).toBe(1_250_000.5);
    expect(parseAmount('€ 12.500,75')).toBe(12_500.75);
    expect(parseAmount('12 500,75 €')).toBe(12_500.75);
    expect(parseAmount('EUR 1.234.567')).toBe(1_234_567);
    expect(parseAmount('1,250')).toBe(1250);
    expect(parseAmount('12,5')).toBe(12.5);
    expect(parseAmount("CHF 1'000")).toBe(1000);
    expect(parseAmount('(2,000)')).toBe(-2000);
    expect(parseAmount('-£300')).toBe(-300);
    expect(parseAmount('5000')).toBe(5000);
    for (const bad of ['abc', '1,2,3.4.5', '$', '']) expect(parseAmount(bad)).toBeNull();
  });
});

// The same messy HubSpot-style export in each delimiter: BOM, CRLF, a quoted name with an embedded
// newline and the delimiter, local dates, currency amounts, blank lines, bad rows.
function messyExport(d: string): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const rows = [
    [
      'Record ID',
      'Deal Name',
      'Deal Stage',
      'Amount',
      'Close Date',
      'Create Date',
      'Deal owner',
      'Status',
      'Budget Allocated',
      'Competitor',
    ],
    [
      '1',
      q(`Acme${d} "Platform"\nphase 2`),
      'Closed Won',
      q('$12,500.00'),
      '03/15/2025',
      '2025-01-02',
      'Ann Lee',
      'Won',
      'Yes',
      'None',
    ],
    [
      '2',
      'Beta',
      'Closed Lost',
      q('€ 9.000,50'),
      '2025-04-01',
      '01/02/2025',
      'Bob Roe',
      'Lost',
      'No',
      'Present',
    ],
    ['3', 'Gamma', 'Proposal', '', '', '', 'Ann Lee', '', '', 'Present'],
    [],
    ['4', 'Delta', 'Closed Won', 'lots', '2025-04-01', '', 'Ann Lee', 'Won', 'Yes', 'None'],
    ['5', 'Epsilon', 'Closed Lost', '100', '2025-02-30', '', 'Ann Lee', 'Lost', 'No', 'None'],
    ['6', 'Zeta', 'Closed Won', '100', '2025-04-02', '', 'Ann Lee', 'Maybe', 'No', 'None'],
    ['7', 'Eta', 'Closed Won', '100'],
    ['1', 'Acme again', 'Closed Won', '100', '2025-04-02', '', 'Ann Lee', 'Won', 'No', 'None'],
    ['8', 'Theta', 'Closed Lost', '100', '', '', 'Ann Lee', 'Lost', 'No', 'None'],
    ['9', 'Iota', 'Negotiation', '1000', '2025-06-30', '2025-03-01', '', 'Open', 'true', 'None'],
  ];
  return `\uFEFF${rows.map((r) => r.join(d)).join('\r\n')}\r\n`;
}

describe('importing an export', () => {
  for (const [name, d] of [
    ['comma', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
  ] as const) {
    it(`reads a messy ${name}-separated export and reports every rejected row`, async () => {
      const r = await importExportFile(file(`messy-${name}.csv`, messyExport(d)));
      expect(r.rows).toBe(10);
      expect(r.imported + r.rejected.length).toBe(r.rows);
      expect(r.imported).toBe(4);
      expect(r.counts).toEqual({ won: 1, lost: 1, open: 2 });
      // Line numbers are physical lines: the first deal's name spans lines 2-3.
      expect(r.rejected).toEqual([
        { file: 'deals', line: 7, reason: 'amount "lots" is not a number' },
        { file: 'deals', line: 8, reason: 'close date "2025-02-30" is not a date' },
        { file: 'deals', line: 9, reason: expect.stringMatching(/^outcome "Maybe" is not a won value/) },
        { file: 'deals', line: 10, reason: 'has 4 fields, the header has 10' },
        { file: 'deals', line: 11, reason: 'duplicate deal "1" (first on line 2)' },
        {
          file: 'deals',
          line: 12,
          reason:
            'lost deal without a close date (evaluate --allow-missing-close-dates takes it, without time-based checks)',
        },
      ]);
      const [acme, beta, gamma] = r.world.deals;
      expect(acme!.name).toBe(`Acme${d} "Platform"\nphase 2`);
      expect(acme!.amount).toBe(12_500);
      expect(acme!.closeDate).toBe('2025-03-15');
      expect(acme!.createdAt).toBe('2025-01-02T00:00:00.000Z');
      expect(acme!.qualification).toEqual({ budget_allocated: true, competitor: 'None' });
      expect(beta!.amount).toBe(9000.5);
      expect(beta!.createdAt).toBe('2025-01-02T00:00:00.000Z');
      expect(beta!.qualification.budget_allocated).toBe(false);
      expect(gamma!.closedAt).toBeNull();
      expect(gamma!.qualification.budget_allocated).toBeNull();
      expect(r.fields).toEqual([
        { field: 'budget_allocated', label: 'Budget Allocated', column: 'Budget Allocated', kind: 'boolean' },
        { field: 'competitor', label: 'Competitor', column: 'Competitor', kind: 'category' },
      ]);
      // Stages: open ones in order of appearance, then won / lost; every deal's stage exists.
      const stages = r.world.pipelines[0]!.stages;
      expect(stages.map((s) => s.label)).toEqual(['Proposal', 'Negotiation', 'Closed Won', 'Closed Lost']);
      for (const deal of r.world.deals) expect(stages.some((s) => s.key === deal.stageKey)).toBe(true);
      // The open deal without an owner has none (no shared "(no owner)" owner is invented).
      expect(r.world.owners.map((o) => `${o.firstName} ${o.lastName}`.trim())).toEqual([
        'Ann Lee',
        'Bob Roe',
      ]);
      expect(r.world.deals.find((d) => d.name === 'Iota')!.ownerN).toBeNull();
    });
  }

  it('follows a mapping file: named columns, outcome values, date order, typed qualification columns', async () => {
    const text = [
      'Opp;Result;Closed on;Value;BANT budget;Seats',
      'A;Gagné;03/04/2025;1.000,00;oui;10',
      'B;Perdu;04/03/2025;2.000,00;non;abc',
      'C;??;04/03/2025;2.000,00;non;5',
    ].join('\n');
    const mapping = ImportMappingSchema.parse({
      columns: { name: 'Opp', outcome: 'Result', closeDate: 'Closed on', amount: 'Value' },
      won: ['Gagné'],
      lost: ['Perdu'],
      dateOrder: 'dmy',
      qualification: [
        { column: 'BANT budget', field: 'budget', label: 'Budget', kind: 'category' },
        { column: 'Seats', kind: 'number' },
        { column: 'Not there' },
      ],
    });
    const r = await importExportFile(file('mapped.csv', text), { mapping });
    expect(r.imported).toBe(2);
    expect(r.rejected).toEqual([{ file: 'deals', line: 4, reason: expect.stringContaining('outcome "??"') }]);
    expect(r.world.deals[0]!.closeDate).toBe('2025-04-03');
    expect(r.world.deals[0]!.amount).toBe(1000);
    expect(r.world.deals[0]!.qualification).toEqual({ budget: 'oui', seats: 10 });
    // A value that is not a number in a number column stays as text (the indicator pools it into "other").
    expect(r.world.deals[1]!.qualification.seats).toBe('abc');
    expect(r.missingColumns).toEqual(['Not there']);
  });

  it('a closed-deals-only export becomes a world whose closed deals can be trained on', async () => {
    const lines = ['Deal Name,Status,Close Date,Budget'];
    for (let i = 0; i < 30; i++)
      lines.push(
        `D${i},${i % 3 === 0 ? 'Lost' : 'Won'},2025-0${1 + (i % 9)}-1${i % 10},${i % 2 ? 'yes' : 'no'}`,
      );
    const r = await importExportFile(file('closed.csv', lines.join('\n')));
    expect(r.rejected).toEqual([]);
    expect(r.counts).toEqual({ won: 20, lost: 10, open: 0 });
    for (const d of r.world.deals) {
      expect(d.closedAt).not.toBeNull();
      // Created well before the close (default 90 days), so a cut-off 14 days before close exists.
      expect(Date.parse(d.closedAt!) - Date.parse(d.createdAt)).toBeGreaterThan(14 * 86_400_000);
      expect(d.stageHistory.at(-1)!.stageKey).toBe(d.stageKey);
    }
    expect(Date.parse(r.world.now)).toBeGreaterThan(
      Math.max(...r.world.deals.map((d) => Date.parse(d.closedAt!))),
    );
  });

  it('links an activity export to the imported deals and reports its bad rows too', async () => {
    const deals = file(
      'deals-a.csv',
      'Deal ID,Deal Name,Status,Close Date\n10,Acme,Won,2025-03-01\n11,Beta,Lost,2025-03-02\n',
    );
    const acts = file(
      'acts.csv',
      [
        'Associated Deal;Activity Type;Activity Date;Direction;Subject;Notes',
        '10;Email;2025-02-01 10:00;Inbound;"Re: pricing";"Looks good;\nsee you"',
        'Beta;Call;02/02/2025;Outbound;Intro;',
        '10;Meeting;2025-02-03T15:00:00Z;;Demo;',
        '99;Email;2025-02-01;Inbound;x;',
        '10;Fax;2025-02-01;;x;',
        '10;Note;someday;;x;',
      ].join('\r\n'),
    );
    const r = await importExportFile(deals, { activities: acts });
    expect(r.activityRows).toBe(6);
    expect(r.activities).toBe(3);
    expect(r.rejected).toEqual([
      { file: 'activities', line: 6, reason: 'deal "99" is not in the deal export (or was rejected)' },
      { file: 'activities', line: 7, reason: expect.stringContaining('activity type "Fax"') },
      { file: 'activities', line: 8, reason: 'activity date "someday" is not a date' },
    ]);
    const [email, call, meeting] = r.world.activities;
    expect(email).toMatchObject({
      type: 'email',
      dealN: 1,
      direction: 'inbound',
      body: 'Looks good;\nsee you',
    });
    expect(email!.occurredAt).toBe('2025-02-01T10:00:00.000Z');
    expect(call).toMatchObject({ type: 'call', dealN: 2, direction: 'outbound', callStatus: 'COMPLETED' });
    expect(meeting).toMatchObject({
      type: 'meeting',
      meetingOutcome: 'COMPLETED',
      meetingEndAt: '2025-02-03T16:00:00.000Z',
    });
  });
});
