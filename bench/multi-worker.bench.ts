// `BENCH_ONLY=multi-worker npm run bench`: do worker processes share the work of many tenants?
// BENCH_TENANTS tenants (default 50; BENCH_QUICK=1: 4) of BENCH_DEALS deals each (default 500;
// quick: 40), each on its own HubSpot sandbox (its own rate limits), one cycle per tenant, run by
// 1, 2 and 4 `pipeline-health worker` processes (BENCH_WORKERS=1,2,4) against one Redis. Prints
// wall time, API calls and 429s per worker count, and one JSON line.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../src/cli/runtime.ts';
import { parseTenants } from '../src/config/tenants-file.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../src/shared/logger.ts';
import { resolveRedis } from '../src/store/redis-connection.ts';

const quick = process.env.BENCH_QUICK === '1';
const TENANTS = Number(process.env.BENCH_TENANTS ?? (quick ? 4 : 50));
const DEALS = Number(process.env.BENCH_DEALS ?? (quick ? 40 : 500));
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const main = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

const redis = await resolveRedis(process.env.REDIS_URL);
const dir = mkdtempSync(join(tmpdir(), 'ph-multi-worker-'));
const results: {
  workers: number;
  wallMs: number;
  apiCalls: number;
  rateLimited: number;
  sandbox429s: number;
  /** Slowest worker's time from SIGTERM to exit, and how many had to be killed after 10 s. */
  stopMs?: number;
  killed?: number;
}[] = [];

/** Start a worker process and resolve when it logs "worker ready". */
function startWorker(tenantsFile: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [main, 'worker', '--tenants', tenantsFile], {
    env: { ...process.env, REDIS_URL: redis.url, PH_PREFIX: prefix, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('worker ready')) {
        buffered = '';
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve(child);
      } else if (buffered.length > 100_000) buffered = buffered.slice(-1_000);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

try {
  for (const workers of WORKERS) {
    const sandboxes: HubSpotSandboxHandle[] = [];
    for (let t = 0; t < TENANTS; t++)
      sandboxes.push(await startHubSpotSandbox({ seed: 100 + t, deals: DEALS }));
    const raw = sandboxes.map((s, t) => ({
      id: `t${t}`,
      name: `Tenant ${t}`,
      connection: {
        crm: 'hubspot',
        basePath: s.baseUrl,
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: s.accessToken },
      },
      // Only the cycles this benchmark starts: no incremental trigger.
      schedule: { incrementalEveryMinutes: 0 },
    }));
    const file = join(dir, `tenants-${workers}.json`);
    writeFileSync(file, JSON.stringify({ tenants: raw }));
    const prefix = `mw${workers}x${Date.now() % 100_000}`;
    const children = await Promise.all(Array.from({ length: workers }, () => startWorker(file, prefix)));
    const runtime = new Runtime({
      redis,
      prefix,
      logger: createLogger({ level: 'silent' }),
      tenants: parseTenants({ tenants: raw }),
      workers: false,
    });
    try {
      const started = performance.now();
      const summaries = await Promise.all(
        raw.map((t) =>
          runtime.runCycle({ tenantId: t.id, trigger: 'manual' }, { timeoutMs: 3 * 60 * 60_000 }),
        ),
      );
      const wallMs = Math.round(performance.now() - started);
      const failed = summaries.filter((s) => s.status !== 'completed').length;
      const figures = {
        workers,
        wallMs,
        apiCalls: summaries.reduce((n, s) => n + s.apiCalls, 0),
        rateLimited: summaries.reduce((n, s) => n + s.rateLimited, 0),
        sandbox429s: sandboxes.reduce((n, s) => n + s.inspect.rateLimited().length, 0),
      };
      results.push(figures);
      console.log(
        `${workers} worker(s): ${TENANTS} tenants x ${DEALS} deals in ${(wallMs / 1000).toFixed(1)} s; ${figures.apiCalls} API calls; ${figures.rateLimited} 429s seen (${figures.sandbox429s} sent)${failed > 0 ? `; ${failed} runs FAILED` : ''}`,
      );
    } finally {
      await runtime.close();
      let killed = 0;
      const stopped = performance.now();
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              // Graceful first; a worker that has not exited after 10 s is killed (and counted).
              const hard = setTimeout(() => {
                killed += 1;
                c.kill('SIGKILL');
              }, 10_000);
              c.once('exit', () => {
                clearTimeout(hard);
                resolve();
              });
              c.kill('SIGTERM');
            }),
        ),
      );
      const stopMs = Math.round(performance.now() - stopped);
      const last = results.at(-1);
      if (last?.workers === workers) Object.assign(last, { stopMs, killed });
      console.log(
        `  SIGTERM to ${workers} worker(s): all exited after ${(stopMs / 1000).toFixed(1)} s; ${killed} had to be killed`,
      );
      for (const s of sandboxes) await s.close();
    }
  }
  console.log(
    JSON.stringify({ bench: 'multi-worker', tenants: TENANTS, dealsPerTenant: DEALS, runs: results }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await redis.close();
}
