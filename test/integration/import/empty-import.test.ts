// Issue 15 item 7: an empty world file is not written when every row was rejected.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');

describe('import with every row rejected', () => {
  it('exits non-zero and writes no world file', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-empty-'));
    const csv = join(dir, 'bad.csv');
    writeFileSync(
      csv,
      'Opportunity Name,Stage,Close Date\nA,Closed Won,not a date\nB,Closed Lost,31/02/2025\n',
    );
    const out = join(dir, 'bad.world.json');
    const code = await run(process.execPath, [MAIN, 'import', '--crm', 'hubspot', csv, '--out', out], {
      env: { PATH: process.env.PATH ?? '' },
    }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect(code).not.toBe(0);
    expect(existsSync(out)).toBe(false);
  });
});
