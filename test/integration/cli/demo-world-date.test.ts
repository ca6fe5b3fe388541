// Issue 15 item 6: open deals of an imported world are scored as of the world's own date, not the
// wall clock (an export from 2021 showed "in stage 1,800 days" and "close date passed 1,500 days ago").

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');

describe('demo --world on an old export', () => {
  it('judges open deals as of the world date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-world-'));
    const csv = join(dir, 'old.csv');
    const lines = ['Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner'];
    for (let i = 0; i < 60; i++) {
      const won = i % 3 === 0;
      const month = String(1 + (i % 11)).padStart(2, '0');
      lines.push(
        `Closed ${i},${won ? 'Closed Won' : 'Closed Lost'},${1000 + i},2021-${month}-20,2021-${month}-01,Rep ${i % 3}`,
      );
    }
    // Open deals created in November 2021, planned to close in December 2021.
    for (let i = 0; i < 6; i++) lines.push(`Open ${i},Proposal,5000,2021-12-20,2021-11-25,Rep ${i % 3}`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const world = join(dir, 'old.world.json');
    await run(process.execPath, [MAIN, 'import', '--crm', 'hubspot', csv, '--out', world], {
      env: { PATH: process.env.PATH ?? '' },
    });
    const { stdout } = await run(process.execPath, [MAIN, 'demo', '--world', world, '--json'], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 240_000,
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { riskiest: { reasons: string[] }[] };
    const reasons = summary.riskiest.flatMap((d) => d.reasons);
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) {
      for (const m of r.matchAll(/([\d,]+) days/g))
        expect(Number(m[1]!.replace(/,/g, '')), r).toBeLessThan(200);
    }
  }, 300_000);
});
