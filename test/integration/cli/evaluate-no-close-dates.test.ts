// Issue 15 item 7: an export without close dates can be evaluated when the user asks for it
// explicitly (`--allow-missing-close-dates`), with a warning that time-based checks are off;
// without the flag the error names it.
// Oracle (analytic): Budget = yes for half the deals, P(won | yes) = 0.8, P(won | no) = 0.2: the
// best achievable AUC is 0.80. With no close dates no deal is older or newer than another, so only
// the field (encoded out of fold, whatever the time) can carry it.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'ph-eval-nodates-'));

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '' },
      timeout: 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** An export with no close-date column (and no created dates): ids, outcome, owner, one field. */
function undatedCsv(n: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines = ['Opportunity ID,Opportunity Name,Stage,Amount,Opportunity Owner,Budget'];
  for (let i = 0; i < n; i++) {
    const yes = rand() < 0.5;
    const won = rand() < (yes ? 0.8 : 0.2);
    lines.push(
      `OPP-${String(i).padStart(4, '0')},Deal ${i},${won ? 'Closed Won' : 'Closed Lost'},${1000 + i},Rep ${i % 4},${yes ? 'Yes' : 'No'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const csv = join(dir, 'undated.csv');
writeFileSync(csv, undatedCsv(400, 11));
const args = ['evaluate', '--world', csv, '--folds', '5', '--repeats', '2', '--seed', '1'];

describe('evaluate an export without close dates', () => {
  it('without the flag: a stable error that names the flag', async () => {
    const r = await cli([...args, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pipeline-health: IMPORT_CLOSE_DATES_MISSING: /);
    expect(r.stderr).toContain('--allow-missing-close-dates');
    expect(r.stdout).toBe('');
  }, 300_000);

  it('with --allow-missing-close-dates: evaluated, and the JSON warns that time-based checks are off', async () => {
    const r = await cli([...args, '--allow-missing-close-dates', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.deals.won + out.deals.lost).toBe(400);
    expect(out.auc.mean).toBeGreaterThan(0.7);
    expect(out.auc.mean).toBeLessThan(0.88);
    expect(out.warnings).toEqual([
      { code: 'time_checks_off', message: expect.stringContaining('400 closed deals') },
    ]);
  }, 300_000);

  it('the text report carries the warning too', async () => {
    const r = await cli([...args, '--allow-missing-close-dates']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Warning: time-based checks are off/m);
  }, 300_000);

  it('some closed deals without a close date: the rest is evaluated and a warning counts them', async () => {
    const lines = ['Opportunity ID,Stage,Close Date,Budget'];
    const rand = mulberry32(3);
    for (let i = 0; i < 60; i++) {
      const yes = rand() < 0.5;
      const won = rand() < (yes ? 0.8 : 0.2);
      const close = i % 10 === 0 ? '' : `2025-0${1 + (i % 9)}-1${i % 10}`;
      lines.push(`O${i},${won ? 'Closed Won' : 'Closed Lost'},${close},${yes ? 'Yes' : 'No'}`);
    }
    const some = join(dir, 'some.csv');
    writeFileSync(some, `${lines.join('\n')}\n`);
    const r = await cli(['evaluate', '--world', some, '--repeats', '1', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.deals.won + out.deals.lost).toBe(54);
    expect(out.warnings).toEqual([
      { code: 'rows_rejected', message: expect.stringContaining('--allow-missing-close-dates') },
    ]);
  }, 300_000);
});
