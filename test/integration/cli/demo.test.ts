import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');

describe('pipeline-health demo', () => {
  for (const crm of ['hubspot', 'salesforce'] as const) {
    it(`runs the whole product on the ${crm} sandbox and prints one JSON summary`, {
      timeout: 180_000,
    }, async () => {
      const { stdout } = await run(
        process.execPath,
        [MAIN, 'demo', '--crm', crm, '--deals', '80', '--json'],
        {
          env: { PATH: process.env.PATH ?? '' },
          maxBuffer: 10 * 1024 * 1024,
        },
      );
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const summary = JSON.parse(lines[0]!) as Record<string, unknown>;
      for (const key of [
        'crm',
        'deals',
        'scored',
        'written',
        'alerts',
        'apiCalls',
        'rateLimited',
        'quarantined',
        'durationMs',
      ]) {
        expect(summary, key).toHaveProperty(key);
      }
      expect(summary.crm).toBe(crm);
      expect(summary.status).toBe('completed');
      expect(summary.deals as number).toBeGreaterThan(60);
      expect(summary.scored as number).toBeGreaterThan(0);
      expect(summary.written as number).toBeGreaterThanOrEqual(summary.scored as number);
      expect(summary.apiCalls as number).toBeGreaterThan(0);
      const riskiest = summary.riskiest as {
        id: string;
        reasons: string[];
        score: number;
        band: string;
        winProbability: number | null;
      }[];
      expect(riskiest.length).toBeGreaterThan(0);
      // Issue 15 items 1 and 10: each riskiest deal tells one story (score = win probability x 100
      // once a model is adopted; null probability on the prior).
      const adopted = (summary.model as { adopted: boolean }).adopted;
      for (const d of riskiest) {
        expect(typeof d.id).toBe('string');
        expect(['healthy', 'watch', 'at_risk']).toContain(d.band);
        if (adopted) expect(d.score).toBeCloseTo(d.winProbability! * 100, 0);
        else expect(d.winProbability).toBeNull();
      }
      expect(riskiest[0]!.reasons.length).toBeGreaterThan(0);
      expect(riskiest.map((d) => d.score)).toEqual([...riskiest.map((d) => d.score)].sort((a, b) => a - b));

      // Issue 18 item 1: the current quarter's forecast for the total (docs/FORECAST.md).
      const forecast = summary.forecast as {
        period: { label: string; start: string; end: string };
        target: number | null;
        p10: number;
        p50: number;
        p90: number;
        pReachTarget: number | null;
        intervalCoverage: number | null;
      };
      expect(Object.keys(forecast).sort()).toEqual([
        'intervalCoverage',
        'p10',
        'p50',
        'p90',
        'pReachTarget',
        'period',
        'target',
      ]);
      // The demo tenant's time zone is UTC; the generated world's today is the wall-clock day.
      const today = new Date();
      expect(forecast.period.label).toBe(
        `${today.getUTCFullYear()}-Q${Math.floor(today.getUTCMonth() / 3) + 1}`,
      );
      expect(forecast.p10).toBeGreaterThanOrEqual(0);
      expect(forecast.p10).toBeLessThanOrEqual(forecast.p50);
      expect(forecast.p50).toBeLessThanOrEqual(forecast.p90);
      // The generated world has a target per quarter, so the chance of reaching it is a probability.
      expect(forecast.target).toBeGreaterThan(0);
      expect(forecast.pReachTarget).toBeGreaterThanOrEqual(0);
      expect(forecast.pReachTarget).toBeLessThanOrEqual(1);
      if (forecast.intervalCoverage !== null) {
        expect(forecast.intervalCoverage).toBeGreaterThanOrEqual(0);
        expect(forecast.intervalCoverage).toBeLessThanOrEqual(1);
      }
    });
  }

  // Issue 15 item 4, the whole product: on a generated world big enough for the trees to clearly
  // win (interactions between qualification fields and relationship indicators), training picks
  // them, adopts them against the prior, and the scored, written-back and reported deals all tell
  // one story: score = win probability x 100, band and reasons from the same model.
  it('adopts boosted trees on a 1,500-deal world and every reported deal tells one story', {
    timeout: 600_000,
  }, async () => {
    const { stdout } = await run(
      process.execPath,
      [MAIN, 'demo', '--crm', 'hubspot', '--deals', '1500', '--json'],
      { env: { PATH: process.env.PATH ?? '' }, maxBuffer: 10 * 1024 * 1024 },
    );
    const summary = JSON.parse(stdout.trim()) as Record<string, unknown>;
    const model = summary.model as {
      family: string;
      adopted: boolean;
      selection: string;
      won: number;
      lost: number;
    };
    expect(model.family).toBe('trees');
    expect(model.adopted).toBe(true);
    expect(model.selection).toContain('Boosted trees');
    expect(summary.written as number).toBeGreaterThanOrEqual(summary.scored as number);
    const riskiest = summary.riskiest as {
      score: number;
      band: string;
      winProbability: number | null;
      reasons: string[];
    }[];
    expect(riskiest.length).toBeGreaterThan(0);
    const base = model.won / (model.won + model.lost);
    const healthy = Math.round(base * 1000) / 10;
    const watch = Math.round(base * 500) / 10;
    for (const d of riskiest) {
      expect(d.winProbability).not.toBeNull();
      expect(Math.abs(d.score - d.winProbability! * 100)).toBeLessThanOrEqual(0.05 + 1e-9);
      // Bands from the score against the tenant's base win rate (docs/SCORING.md section 4).
      const expected = d.score >= healthy ? 'healthy' : d.score >= watch ? 'watch' : 'at_risk';
      expect(d.band).toBe(expected);
      expect(d.reasons.length).toBeGreaterThan(0);
    }
  });

  it('rejects a bad option with a clear message and exit 2', async () => {
    const err = await run(process.execPath, [MAIN, 'demo', '--crm', 'pipedrive'], {
      env: { PATH: process.env.PATH ?? '' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('--crm must be hubspot or salesforce');
  });
});
