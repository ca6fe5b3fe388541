import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotTenant } from './harness.ts';
import { type CliProcess, startCli } from '../../support/cli-process.ts';

/**
 * Issue 14 item 6: processes with different tenants files share one queue. A worker that does not
 * know a tenant (another deployment's, or one added before its SIGHUP reload) must not fail that
 * tenant's run with TENANT_NOT_FOUND: it leaves the step to a process that knows the tenant.
 */
describe('a step of a tenant this process does not know', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  const procs: CliProcess[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 8, deals: 40 });
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await sandbox?.close();
    await redis?.close();
  });

  it('is left for a worker that knows the tenant, and the run completes', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-unknown-'));
    const schedule = { schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 } };
    const fileA = join(dir, 'a.json');
    const fileB = join(dir, 'b.json');
    writeFileSync(fileA, JSON.stringify({ tenants: [hubspotTenant('alpha', sandbox, schedule)] }));
    writeFileSync(fileB, JSON.stringify({ tenants: [hubspotTenant('beta', sandbox, schedule)] }));
    const env = {
      LOG_LEVEL: 'info',
      ...redis.env,
      PH_PREFIX: `u${randomUUID().slice(0, 8)}`,
      WORKER_CONCURRENCY: '1',
    };
    // The only worker knows "alpha" alone; "beta" is run from another tenants file, enqueue only.
    const ignorant = startCli(['worker', '--tenants', fileA], env);
    procs.push(ignorant);
    await ignorant.waitForLog((l) => l.msg === 'worker ready', 'the first worker');
    const run = startCli(['run', '--tenant', 'beta', '--tenants', fileB, '--no-workers', '--json'], env);
    procs.push(run);
    // The ignorant worker takes beta's first step (it is the only worker) and deals with it somehow.
    await ignorant.waitForLog(
      (l) => l.tenantId === 'beta' && l.step === 'sync' && l.msg !== 'sync started',
      'the first worker to handle beta',
    );
    const knowing = startCli(['worker', '--tenants', fileB], env);
    procs.push(knowing);
    const exit = await run.exited;
    const report = JSON.parse(run.lines.map((l) => JSON.stringify(l)).at(-1) ?? '{}') as {
      status?: string;
      error?: { code?: string };
    };
    expect(report.error?.code).toBeUndefined();
    expect(report.status).toBe('completed');
    expect(exit.code).toBe(0);
  });
});
