import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/cli/runtime.ts';
import type { CrmKind } from '../../../src/domain/index.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { onCluster, startTestRedis } from '../../support/test-redis.ts';
import { type CrmUnderTest, startCrm } from './crm-fixture.ts';
import { type HoldingLink, occurrences, startRedisHoldingLink } from '../../support/holding-link.ts';
import { tenantKeys } from '../../../src/store/tenant-keys.ts';
import { testLogger } from './harness.ts';
import { type CliProcess, startCli } from '../../support/cli-process.ts';
import { until } from '../../support/until.ts';

/**
 * Issue 14 item 3 (STYLE.md #12): a worker that lost its job lock but keeps running (a GC or VM
 * pause, CPU starvation) must make no CRM effect. Reproduced with SIGSTOP on the worker, takeover by
 * a second worker once the BullMQ lock expires, then SIGCONT: the woken worker must not write or
 * create anything again.
 *
 * The pause is aimed at the narrowest window: Redis has passed the worker's fence check for a batch
 * (write intents saved, or alert reservations checked) but the worker has not heard back, so the
 * batch is cleared to go and not sent. The first worker reaches Redis through a link that holds the
 * answers back from the fence check on, until the worker is paused; a CI run met this window by
 * chance under load (400 health writes sent twice).
 */
// On the cluster project (PH_TEST_REDIS=cluster) HubSpot only: the Salesforce variant runs the same
// fence scripts on the same keys, and its connector side does not change with the Redis.
const CRMS: CrmKind[] = onCluster ? ['hubspot'] : ['hubspot', 'salesforce'];
describe.each<CrmKind>(CRMS)('a paused worker woken after takeover (%s)', (crm) => {
  let redis: RedisEndpoint;
  const procs: CliProcess[] = [];
  let crmUnderTest: CrmUnderTest | undefined;
  let link: HoldingLink | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
    await crmUnderTest?.sandbox.close();
    crmUnderTest = undefined;
    await link?.close();
    link = undefined;
  });
  afterAll(async () => {
    await redis?.close();
  });

  async function scenario(step: 'write-back' | 'alert', deals: number) {
    const id = `pause${step === 'alert' ? 'a' : 'w'}`;
    const target = await startCrm(crm, id, {
      deals,
      seed: 31,
      // Every candidate is reserved (no cap), so the test knows when the last reservation is made.
      tenant: { alerts: { enabled: true, dailyCapPerOwner: 100_000 } },
    });
    crmUnderTest = target;
    const prefix = `p${randomUUID().slice(0, 8)}`;
    const dir = mkdtempSync(join(tmpdir(), 'ph-pause-'));
    const tenantsFile = join(dir, 'tenants.json');
    writeFileSync(tenantsFile, JSON.stringify({ tenants: [target.tenant] }));
    const base = {
      LOG_LEVEL: 'info',
      PH_PREFIX: prefix,
      TENANTS_FILE: tenantsFile,
      // Short, so the takeover comes soon; not shorter: on a loaded machine the second worker's own
      // renewals can slip past a 2 s lock, and then its own earlier attempt races it.
      WORKER_LOCK_MS: '5000',
      WORKER_CONCURRENCY: '1',
      // The successor waits the send window plus this deadline before it reads what landed.
      CRM_REQUEST_TIMEOUT_MS: '10000',
    };
    const env = { ...base, ...redis.env };
    link = await startRedisHoldingLink(redis);
    const keys = tenantKeys(prefix, id);
    // The fence script of the aimed step names these two keys (src/store/effect-fence.ts).
    const fenced = step === 'alert' ? keys.alertsOpen : keys.writeIntents;
    link.holdAnswersAfter((sent) => (sent.includes(fenced) ? occurrences(sent, keys.effectClearedAt) : 0));
    const first = startCli(['worker'], { ...base, ...link.env });
    procs.push(first);
    const runtime = new Runtime({
      redis,
      prefix,
      logger: testLogger(),
      tenants: [target.tenant],
      workers: false,
    });
    try {
      const store = runtime.deps.store(id);
      const started = await runtime.launcher.start({ tenantId: id, trigger: 'manual' });
      if (!started.started) throw new Error('the cycle did not start');
      if (step === 'alert') {
        await until(
          async () => (await store.runs.runSteps(started.runId))['write-back'] !== undefined,
          'the write-back step',
          240_000,
        );
        const candidates = await store.alerts.keptCandidates(started.runId);
        expect(candidates?.length ?? 0).toBeGreaterThan(0);
      }
      const activeLink = link;
      await until(() => activeLink.holding(), `the first ${step} batch cleared by the fence`, 240_000);
      first.child.kill('SIGSTOP');
      activeLink.release();

      const second = startCli(['worker'], env);
      procs.push(second);
      await until(
        async () => (await store.runs.recent()).some((r) => r.runId === started.runId),
        'the run to finish in the second worker',
        240_000,
      );
      const run = (await store.runs.recent()).find((r) => r.runId === started.runId)!;
      expect(run.error).toBeUndefined();
      expect(run.status).toBe('completed');
      // The paused worker never finished its step: the takeover did.
      expect(first.lines.some((l) => l.step === step && String(l.msg).startsWith(`${step} finished`))).toBe(
        false,
      );

      first.child.kill('SIGCONT');
      // Its attempt ends one way or the other (it logs either way).
      await first.waitForLog(
        (l) =>
          l.step === step &&
          (String(l.msg).startsWith(`${step} finished`) || String(l.msg).startsWith(`${step} failed`)),
        `the woken worker to end its ${step} attempt`,
      );

      const scored = (run.steps as Record<string, { scored?: number }>).score!.scored!;
      const perDeal = new Map<string, number>();
      for (const w of target.dealUpdates()) perDeal.set(w.recordId, (perDeal.get(w.recordId) ?? 0) + 1);
      const duplicateWrites = [...perDeal.values()].reduce((n, c) => n + c - 1, 0);
      const keys = target.taskCreates().map((w) => target.alertKeyOf(w));
      const duplicateTasks = keys.length - new Set(keys).size;
      // Figures for the report table.
      process.stderr.write(
        `[paused-worker ${crm} ${step}] scored=${scored} updated=${perDeal.size} duplicateWrites=${duplicateWrites} tasks=${keys.length} duplicateTasks=${duplicateTasks}\n`,
      );
      expect(perDeal.size).toBe(scored); // nothing lost
      expect(duplicateWrites).toBe(0);
      expect(duplicateTasks).toBe(0);
      expect(keys.length).toBe((await store.alerts.openAlerts()).size);
      // The woken worker held a batch cleared before the takeover: it must have been stopped by the fence.
      expect(
        first.lines.some((l) => (l.decision as { code?: string } | undefined)?.code === 'STEP_LOCK_LOST'),
      ).toBe(true);
    } finally {
      await runtime.close();
    }
  }

  it('makes no second health write after a takeover mid-write-back', { timeout: 400_000 }, async () => {
    await scenario('write-back', crm === 'hubspot' ? 2_400 : 1_200);
  });

  it('creates no second alert task after a takeover mid-alert', { timeout: 400_000 }, async () => {
    await scenario('alert', 300);
  });
});
