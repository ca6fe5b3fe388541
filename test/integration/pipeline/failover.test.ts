import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { type TenantKeys, tenantKeys } from '../../../src/store/tenant-keys.ts';
import { type CliProcess, startWorkerProcess } from '../../support/cli-process.ts';
import { type HoldingLink, occurrences, startRedisHoldingLink } from '../../support/holding-link.ts';
import {
  type ClusterNode,
  launchThrowawayCluster,
  type ThrowawayCluster,
} from '../../support/redis-cluster-launcher.ts';
import { onCluster } from '../../support/test-redis.ts';
import { until } from '../../support/until.ts';
import { hubspotTenant, NO_SCHEDULE, testLogger } from './harness.ts';

function admin(node: ClusterNode): Redis {
  const client = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return client;
}

/**
 * A failover of the master that holds a tenant's keys, mid write-back: SIGKILL of the master (by
 * PID) and `CLUSTER FAILOVER TAKEOVER` on its replica
 * (https://redis.io/docs/latest/commands/cluster-failover/). Redis Cluster replicates
 * asynchronously, so a write the old master acknowledged may be missing on the promoted replica
 * ("Write safety", https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
 * The duplicates are counted in the sandbox: each deal updated at most once in the cycle, no deal
 * written the same values twice over it and the next cycle, one task per alert key. The workers run
 * with REDIS_WAIT_REPLICAS=1: without it the third test wrote all 570 deals twice.
 * Not in the `cluster` project (about 3 minutes); run it with
 * `PH_TEST_REDIS=cluster npx vitest run --project integration test/integration/pipeline/failover.test.ts`.
 */
describe.skipIf(!onCluster)(
  'a failover of the tenant master mid write-back (Redis Cluster with replicas)',
  () => {
    let cluster: ThrowawayCluster;
    let redis: RedisEndpoint;
    const sandboxes: HubSpotSandboxHandle[] = [];
    const children: CliProcess[] = [];
    const links: HoldingLink[] = [];
    const stopped: number[] = [];
    /** Which master (index in cluster.nodes) serves `key`. */
    let masterOf: (key: string) => Promise<number>;
    const used = new Set<number>();
    let probe: RedisClient | undefined;

    // A cluster per test: the third case, run after two failovers on a shared cluster, twice timed
    // out waiting for its run (it passed on a cluster of its own; not explained yet).
    beforeEach(async () => {
      used.clear();
      cluster = await launchThrowawayCluster({ masters: 3, replicas: 1 });
      redis = await resolveRedis(undefined, { nodes: cluster.nodes, tls: false }, () => cluster.stop());
      const client = redis.createClient({ maxRetriesPerRequest: 3 });
      probe = client;
      // The slot map as launched: a later failover moves a master's slots to its replica whole.
      const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      masterOf = async (key) => {
        const slot = (await client.call('CLUSTER', 'KEYSLOT', key)) as number;
        const [, , [, port]] = ranges.find(([first, last]) => slot >= first && slot <= last)!;
        return cluster.nodes.findIndex((n) => n.port === port);
      };
    });
    afterEach(async () => {
      probe?.disconnect();
      for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
      for (const c of children.splice(0)) await c.kill();
      for (const l of links.splice(0)) await l.close();
      for (const s of sandboxes.splice(0)) await s.close();
      await redis?.close();
    });

    /** What a fault is handed: the tenant's master and its replica, the link, the worker. */
    interface FaultContext {
      master: ClusterNode;
      replica: ClusterNode;
      link: HoldingLink;
      keys: TenantKeys;
      worker: CliProcess;
      /** Start a second worker, straight on the cluster (a successor after a crash). */
      startSuccessor(): void;
    }

    /**
     * One cycle of a tenant (`<label><n>`) on a master no other test has failed over, its queues on
     * another master; `fault` runs once the worker's second fenced batch has been cleared by Redis
     * (its answer held back by the link), or the first command `aim` counts.
     */
    async function cycleWithFailover(
      label: string,
      fault: (context: FaultContext) => Promise<void>,
      options: { deals?: number; aim?: (keys: TenantKeys) => (sent: string) => number } = {},
    ) {
      const deals = options.deals ?? 1_200;
      let id = '';
      let master = -1;
      for (let n = 0; master < 0 || used.has(master); n += 1) {
        id = `${label}${n}`;
        master = await masterOf(tenantKeys('x', id).writeIntents);
      }
      used.add(master);
      let prefix = '';
      do prefix = `f${randomUUID().slice(0, 8)}`;
      while ((await masterOf(`{${prefix}}`)) === master);

      const sandbox = await startHubSpotSandbox({ seed: 41, deals, faults: { latencyMs: 40 } });
      sandboxes.push(sandbox);
      const tenant = hubspotTenant(id, sandbox, NO_SCHEDULE);
      const dir = mkdtempSync(join(tmpdir(), 'ph-failover-'));
      const tenantsFile = join(dir, 'tenants.json');
      writeFileSync(tenantsFile, JSON.stringify({ tenants: [tenant] }));
      const link = await startRedisHoldingLink(redis);
      links.push(link);
      const keys = tenantKeys(prefix, id);
      link.holdAnswersAfter(
        options.aim?.(keys) ??
          ((sent) => (sent.includes(keys.writeIntents) ? occurrences(sent, keys.effectClearedAt) : 0)),
        options.aim === undefined ? 2 : 1,
      );
      const base = {
        // Info: a fence refused for want of replicas is logged with its decision code.
        LOG_LEVEL: 'info',
        // Every batch's fence write on the tenant master's replica before the batch is sent.
        REDIS_WAIT_REPLICAS: '1',
        PH_PREFIX: prefix,
        TENANTS_FILE: tenantsFile,
        WORKER_LOCK_MS: '5000',
        WORKER_CONCURRENCY: '1',
        CRM_REQUEST_TIMEOUT_MS: '10000',
      };
      const worker = startWorkerProcess({ ...base, ...link.env });
      children.push(worker);
      const runtime = new Runtime({ redis, prefix, logger: testLogger(), tenants: [tenant], workers: false });
      try {
        const started = await runtime.launcher.start({ tenantId: id, trigger: 'manual' });
        if (!started.started) throw new Error('the cycle did not start');
        await until(() => link.holding(), 'the fenced batch aimed at', 300_000);
        await fault({
          master: cluster.nodes[master]!,
          replica: cluster.replicas[master]![0]!,
          link,
          keys,
          worker,
          startSuccessor: () => {
            children.push(startWorkerProcess({ ...base, ...redis.env }));
          },
        });
        sandbox.faults.latencyMs = 0;

        const store = runtime.deps.store(id);
        const finished = async (runId: string) => {
          await until(
            async () => (await store.runs.recent()).some((r) => r.runId === runId),
            'the run to finish',
            300_000,
          );
          return (await store.runs.recent()).find((r) => r.runId === runId)!;
        };
        const run = await finished(started.runId);
        const dealUpdates = () =>
          sandbox.inspect.writes().filter((w) => w.objectType === 'deals' && w.operation === 'update');
        const firstCycle = dealUpdates();
        // The next cycle diffs against what the store says was written: a record the failover lost
        // makes it write the same values again.
        // The run is recorded before its cycle lock is let go: start once the lock is free.
        let next: Awaited<ReturnType<typeof runtime.launcher.start>> | undefined;
        await until(
          async () => {
            next = await runtime.launcher.start({ tenantId: id, trigger: 'manual' });
            return next.started;
          },
          'the second cycle to start',
          120_000,
        );
        if (!next?.started) throw new Error('the second cycle did not start');
        const nextRun = await finished(next.runId);

        const scored = (run.steps as Record<string, { scored?: number }>).score?.scored;
        const perDeal = new Map<string, number>();
        for (const w of firstCycle) perDeal.set(w.recordId, (perDeal.get(w.recordId) ?? 0) + 1);
        const duplicateWrites = [...perDeal.values()].reduce((n, c) => n + c - 1, 0);
        // A write that sets every health value a deal already got from us (ph_scored_at aside).
        const last = new Map<string, string>();
        let sameValueRewrites = 0;
        for (const w of dealUpdates()) {
          const { ph_scored_at: _at, ...values } = w.values as Record<string, unknown>;
          const text = JSON.stringify(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
          if (last.get(w.recordId) === text) sameValueRewrites += 1;
          last.set(w.recordId, text);
        }
        const alertKeys = sandbox.inspect
          .writes()
          .filter((w) => w.objectType === 'tasks' && w.operation === 'create')
          .map((w) => String(w.values.ph_alert_key));
        const duplicateTasks = alertKeys.length - new Set(alertKeys).size;
        process.stderr.write(
          `[failover ${id}] status=${run.status} scored=${scored} updated=${perDeal.size} duplicateWrites=${duplicateWrites} nextCycleWritten=${(nextRun.steps as Record<string, { written?: number }>)['write-back']?.written} sameValueRewrites=${sameValueRewrites} tasks=${alertKeys.length} duplicateTasks=${duplicateTasks}\n`,
        );
        expect(run.error).toBeUndefined();
        expect(run.status).toBe('completed');
        expect(nextRun.status).toBe('completed');
        expect(perDeal.size).toBe(scored); // nothing lost
        expect(duplicateWrites).toBe(0);
        expect(sameValueRewrites).toBe(0);
        expect(duplicateTasks).toBe(0);
      } finally {
        await runtime.close();
      }
    }

    /**
     * Promote `replica` in place of its dead master, wait until it serves as master, and give it a
     * replica of its own, as an operator restores redundancy (REDIS_WAIT_REPLICAS=1 clears no CRM
     * batch on a master without one).
     */
    async function takeOver(replica: ClusterNode) {
      const client = admin(replica);
      try {
        await client.call('CLUSTER', 'FAILOVER', 'TAKEOVER');
        await until(
          async () => ((await client.call('ROLE')) as [string])[0] === 'master',
          'the promotion',
          60_000,
        );
      } finally {
        client.disconnect();
      }
      await cluster.addReplica(replica);
    }

    it('completes the cycle with no duplicate write or task when the master dies mid-batch', {
      timeout: 600_000,
    }, async () => {
      await cycleWithFailover('foa', async ({ master, replica, link }) => {
        // The master has run the fence of the second batch and answered; the worker has not heard.
        process.kill(master.pid, 'SIGKILL');
        await takeOver(replica);
        link.release();
      });
    });

    /** The write-back's first command: HGETALL of the write intents left by an earlier attempt. */
    const writeBackStart = (keys: TenantKeys) => (sent: string) =>
      /hgetall/i.test(sent) && sent.includes(keys.writeIntents) ? 1 : 0;

    /**
     * Replication stops (the replica is paused and its link dropped), so whatever the master
     * acknowledges from here on is on the master only: the window the cluster spec describes. The
     * write-back goes on (its batches cleared and sent, their intents on the master alone) until
     * the master has recorded them as written and answered, the worker not having heard back yet;
     * then `crash` runs, the master dies and its replica takes over.
     */
    async function lagThenFailover(context: FaultContext, crash: () => Promise<void>) {
      const { master, replica, link, keys } = context;
      process.kill(replica.pid, 'SIGSTOP');
      stopped.push(replica.pid);
      const m = admin(master);
      await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
      m.disconnect();
      link.holdAnswersAfter((sent) =>
        sent.includes(keys.written) &&
        sent.includes(keys.writeIntents) &&
        !sent.includes(keys.effectClearedAt)
          ? 1
          : 0,
      );
      link.release();
      // Unless the fence refuses to clear a batch its replica has not acknowledged (REDIS_WAIT_REPLICAS).
      const refused = () =>
        context.worker.lines.some(
          (l) => (l.decision as { code?: string } | undefined)?.code === 'REDIS_NOT_REPLICATED',
        );
      await until(
        () => link.holding() || refused(),
        'the written values recorded after the cut, or a fence refused',
        300_000,
      );
      process.stderr.write(
        `[failover] ${refused() ? 'a fence refused' : 'written values held'} at the kill\n`,
      );
      link.holdAnswersAfter(() => 0);
      await crash();
      process.kill(master.pid, 'SIGKILL');
      process.kill(replica.pid, 'SIGCONT');
      stopped.splice(stopped.indexOf(replica.pid), 1);
      await takeOver(replica);
      link.release();
    }

    it('completes the cycle with no duplicate write or task when the replica lagged behind', {
      timeout: 600_000,
    }, async () => {
      // The worker lives on: it records the written values again on the promoted replica.
      await cycleWithFailover('fob', (context) => lagThenFailover(context, async () => {}), {
        deals: 2_400,
        aim: writeBackStart,
      });
    });

    it('completes the cycle with no duplicate write or task when the worker dies with the lagging master', {
      timeout: 600_000,
    }, async () => {
      // One outage takes the worker and the master (one host, one zone): the successor resumes
      // from what the promoted replica holds.
      await cycleWithFailover(
        'foc',
        (context) =>
          lagThenFailover(context, async () => {
            await context.worker.kill();
            context.startSuccessor();
          }),
        { deals: 2_400, aim: writeBackStart },
      );
    });
  },
);
