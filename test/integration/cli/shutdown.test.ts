import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { launchThrowawayRedis } from '../../../src/store/redis-server-launcher.ts';
import { hubspotTenant } from '../pipeline/harness.ts';
import { type CliProcess, startCli } from '../../support/cli-process.ts';
import { until } from '../../support/until.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Every descendant pid of `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    for (const task of existsSync(`/proc/${p}/task`) ? readdirSync(`/proc/${p}/task`) : []) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** Issue 14 item 8: shutdown and Redis loss end the process cleanly, with one clear error. */
describe('shutdown and Redis loss', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let tenantsFile: string;
  const procs: CliProcess[] = [];

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await startHubSpotSandbox({ seed: 4, deals: 200 });
    const dir = mkdtempSync(join(tmpdir(), 'ph-shutdown-'));
    tenantsFile = join(dir, 'tenants.json');
    writeFileSync(
      tenantsFile,
      JSON.stringify({
        tenants: [
          hubspotTenant('acme', sandbox, { schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 } }),
        ],
      }),
    );
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await sandbox?.close();
    await redis?.close();
  });

  it('a worker on an external Redis exits 0 after SIGTERM', { timeout: 120_000 }, async () => {
    const worker = startCli(['worker'], {
      LOG_LEVEL: 'info',
      REDIS_URL: redis.url,
      PH_PREFIX: `s${randomUUID().slice(0, 8)}`,
      TENANTS_FILE: tenantsFile,
    });
    procs.push(worker);
    await worker.waitForLog((l) => l.msg === 'worker ready', 'the worker');
    worker.child.kill('SIGTERM');
    await worker.waitForLog((l) => l.msg === 'stopped', 'the worker to stop', 60_000);
    const exit = await Promise.race([
      worker.exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000).unref()),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('`npm run cli -- worker` leaves no node process behind when npm gets SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const npm = spawn('npm', ['run', '-s', 'cli', '--', 'worker'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        LOG_LEVEL: 'info',
        REDIS_URL: redis.url,
        PH_PREFIX: `n${randomUUID().slice(0, 8)}`,
        TENANTS_FILE: tenantsFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await until(() => out.includes('worker ready'), 'the worker behind npm', 90_000);
    // Started the documented way, the worker's V8 heap is capped (WORKER_HEAP_MIB, default 768 MiB)
    // so the process collects instead of growing past 1 GiB on a large tenant (docs/PIPELINE.md).
    const ready = JSON.parse(out.split('\n').find((l) => l.includes('worker ready'))!) as {
      heapLimitMiB: number;
    };
    expect(ready.heapLimitMiB).toBeGreaterThanOrEqual(768);
    expect(ready.heapLimitMiB).toBeLessThan(1024);
    const node = descendants(npm.pid!).filter((p) =>
      readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('src/cli/main.ts'),
    );
    expect(node.length).toBeGreaterThan(0);
    const npmExited = new Promise((r) => npm.once('exit', r));
    npm.kill('SIGTERM');
    await npmExited;
    try {
      await until(() => node.every((p) => !alive(p)), 'the node process to end', 30_000);
    } finally {
      for (const p of node) if (alive(p)) process.kill(p, 'SIGKILL');
    }
  });

  it('`run` reports one REDIS_UNAVAILABLE and exits 1 when Redis goes away mid-run', {
    timeout: 180_000,
  }, async () => {
    const own = await launchThrowawayRedis();
    sandbox.faults.latencyMs = 300;
    try {
      const run = startCli(['run', '--tenant', 'acme'], {
        LOG_LEVEL: 'info',
        REDIS_URL: own.url,
        PH_PREFIX: `r${randomUUID().slice(0, 8)}`,
        TENANTS_FILE: tenantsFile,
      });
      procs.push(run);
      await until(() => run.stderr().includes('sync started'), 'the run to start syncing', 90_000);
      const before = run.stderr().length;
      await own.stop();
      const exit = await Promise.race([
        run.exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref()),
      ]);
      const after = run.stderr().slice(before);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(after.match(/REDIS_UNAVAILABLE/g)?.length).toBe(1);
      expect(after).not.toMatch(/\n\s+at /); // no stack traces
    } finally {
      sandbox.faults.latencyMs = 0;
      await own.stop().catch(() => {});
    }
  });
});
