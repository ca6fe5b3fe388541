// Issue 15 item 8: `pipeline-health evaluate --world FILE` evaluates an import (a CSV export or a
// world file) directly, with no Redis and no tenant set-up, and `--json` prints one object.
// Oracle (analytic): Budget = yes for half the deals; P(won | yes) = 0.8, P(won | no) = 0.2, so
// the best achievable AUC is 0.64 + 0.5 x 0.32 = 0.80 and the base-rate Brier is 0.25.

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');

async function cli(args: string[]) {
  try {
    // No REDIS_URL, no tenants file: the command must not need them.
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

function exportCsv(n: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines = [
    'Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner,Budget',
  ];
  const start = Date.parse('2024-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const yes = rand() < 0.5;
    const won = rand() < (yes ? 0.8 : 0.2);
    const close = new Date(start + Math.floor(rand() * 500) * 86_400_000);
    const created = new Date(close.getTime() - (20 + Math.floor(rand() * 80)) * 86_400_000);
    const d = (x: Date) => x.toISOString().slice(0, 10);
    lines.push(
      `OPP-${i},Deal ${i},${won ? 'Closed Won' : 'Closed Lost'},${1000 + i},${d(close)},${d(created)},Rep ${i % 4},${yes ? 'Yes' : 'No'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('pipeline-health evaluate --world', () => {
  it('cross-validates a CSV export and its world file without Redis, printing the documented JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-eval-'));
    const csv = join(dir, 'opps.csv');
    writeFileSync(csv, exportCsv(400, 5));
    const r = await cli([
      'evaluate',
      '--world',
      csv,
      '--folds',
      '5',
      '--repeats',
      '2',
      '--seed',
      '1',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.folds).toBe(5);
    expect(out.repeats).toBe(2);
    expect(out.deals.won + out.deals.lost).toBe(400);
    expect(out.auc.mean).toBeGreaterThan(0.7);
    expect(out.auc.mean).toBeLessThan(0.88);
    expect(out.auc.std).toBeGreaterThanOrEqual(0);
    expect(out.brier.mean).toBeLessThan(0.25);
    expect(typeof out.brier.std).toBe('number');
    expect(typeof out.adopted).toBe('boolean');
    expect(out.reason.length).toBeGreaterThan(10);
    // Issue 15 item 4: both learners on the same folds, the choice and why. One binary signal and
    // no interaction: trees cannot rank better than the 0.80 ceiling either, so logistic stays.
    expect(out.family).toBe('logistic');
    expect(out.selection.family).toBe('logistic');
    expect(out.selection.reason).toContain('Logistic model');
    for (const c of [out.selection.candidates.logistic, out.selection.candidates.trees]) {
      expect(c.auc.mean).toBeGreaterThan(0.7);
      expect(c.auc.mean).toBeLessThan(0.88);
      expect(c.brier.mean).toBeLessThan(0.25);
    }
    expect(out.auc.mean).toBeCloseTo(out.selection.candidates.logistic.auc.mean, 3);

    const world = join(dir, 'opps.world.json');
    const imp = await cli(['import', '--crm', 'salesforce', csv, '--out', world, '--json']);
    expect(imp.code).toBe(0);
    const w = await cli([
      'evaluate',
      '--world',
      world,
      '--folds',
      '5',
      '--repeats',
      '2',
      '--seed',
      '1',
      '--json',
    ]);
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout)).toEqual(out);
  }, 300_000);
});
