// Issue 15 item 7: `import` says which day-month order each date column was read in and why, and
// stops on a column that contradicts itself (a stable code, no world file, no row swapped).
// Oracle: the calendar ("31/12/2025" can only be day-month, "01/14/2025" only month-day).

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'ph-date-cli-'));

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('import: the date order of each column', () => {
  it('reports the order and its proof per column', { timeout: 60_000 }, async () => {
    const csv = join(dir, 'dmy.csv');
    writeFileSync(
      csv,
      'Deal Name,Status,Close Date,Create Date\nA,Won,05/07/2025,01/02/2025\nB,Lost,31/12/2025,02/03/2025\n',
    );
    const r = await cli(['import', '--crm', 'hubspot', csv, '--out', join(dir, 'dmy.world.json'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rejected).toEqual([]);
    expect(out.dateOrders).toEqual([
      expect.objectContaining({
        column: 'Close Date',
        order: 'dmy',
        why: 'values',
        proof: { value: '31/12/2025', line: 3 },
      }),
      expect.objectContaining({
        // No created date proves an order; the close dates of the same export do.
        column: 'Create Date',
        order: 'dmy',
        why: 'export',
        proofColumn: 'Close Date',
        ambiguous: 2,
      }),
    ]);
  });

  it('stops on a self-contradicting column with a stable code and writes no world file', {
    timeout: 60_000,
  }, async () => {
    const csv = join(dir, 'both.csv');
    writeFileSync(csv, 'Deal Name,Status,Close Date\nA,Won,13/01/2025\nB,Lost,01/14/2025\n');
    const out = join(dir, 'both.world.json');
    const r = await cli(['import', '--crm', 'salesforce', csv, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pipeline-health: IMPORT_DATE_ORDER_CONFLICT: /);
    expect(existsSync(out)).toBe(false);
  });
});
