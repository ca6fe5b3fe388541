// Issue 15 item 7: import as a data-minded admin would. snake_case / underscore / camelCase headers
// match the usual names without a mapping file; boolean words in the languages the scorer knows.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importExportFile } from '../../../src/import/export-importer.ts';

const dir = mkdtempSync(join(tmpdir(), 'ph-admin-import-'));

function csv(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('headers and words an admin exports', () => {
  it('matches snake_case, underscore and camelCase headers to the usual names', async () => {
    const path = csv(
      'snake.csv',
      [
        'opportunity_id,Opportunity_Name,stage_name,amount,CloseDate,created_date,owner_name,budget_ok',
        'O1,Alpha,Closed Won,1000,2025-03-01,2025-01-01,Ann,ja',
        'O2,Beta,Closed Lost,2000,2025-03-02,2025-01-02,Bob,nein',
        'O3,Gamma,Closed Won,3000,2025-03-03,2025-01-03,Ann,oui',
        'O4,Delta,Closed Lost,4000,2025-03-04,2025-01-04,Bob,non',
      ].join('\n'),
    );
    const r = await importExportFile(path);
    expect(r.rejected).toEqual([]);
    expect(r.imported).toBe(4);
    expect(r.counts).toEqual({ won: 2, lost: 2, open: 0 });
    const budget = r.fields.find((f) => f.field === 'budget_ok')!;
    expect(budget.kind).toBe('boolean');
    const byName = Object.fromEntries(r.world.deals.map((d) => [d.name, d.qualification.budget_ok]));
    expect(byName).toEqual({ Alpha: true, Beta: false, Gamma: true, Delta: false });
  });
});

describe('exports without ids or names, and the stage order', () => {
  it('gives rows without an id or a name a row id instead of rejecting them', async () => {
    const path = csv(
      'noid.csv',
      [
        'Stage,Amount,Close Date,Created Date',
        'Closed Won,1000,2025-03-01,2025-01-01',
        'Closed Lost,2000,2025-03-02,2025-01-02',
      ].join('\n'),
    );
    const r = await importExportFile(path);
    expect(r.rejected).toEqual([]);
    expect(r.imported).toBe(2);
    expect(r.world.deals.map((d) => d.name)).toEqual(['row 2', 'row 3']);
  });

  it('orders open stages as the mapping says, not by first appearance', async () => {
    const path = csv(
      'stages.csv',
      [
        'Deal Name,Deal Stage,Amount,Close Date,Create Date',
        'A,Negotiation,1,2025-03-01,2025-01-01',
        'B,Discovery,1,2025-03-01,2025-01-01',
        'C,Proposal,1,2025-03-01,2025-01-01',
        'D,Closed Won,1,2025-02-01,2025-01-01',
      ].join('\n'),
    );
    const { ImportMappingSchema } = await import('../../../src/import/import-mapping.ts');
    const mapping = ImportMappingSchema.parse({ stages: ['Discovery', 'Proposal', 'Negotiation'] });
    const r = await importExportFile(path, { mapping });
    const open = r.world.pipelines[0]!.stages.filter((s) => !s.isClosed).sort((a, b) => a.order - b.order);
    expect(open.map((s) => s.label)).toEqual(['Discovery', 'Proposal', 'Negotiation']);
  });
});
