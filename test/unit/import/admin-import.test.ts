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
