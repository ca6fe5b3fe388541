import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { tenantKeys } from '../../../src/store/tenant-keys.ts';
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
 * The duplicates are counted in the sandbox: each deal updated at most once, one task per alert key.
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

    beforeAll(async () => {
      cluster = await launchThrowawayCluster({ masters: 3, replicas: 1 });
      redis = await resolveRedis(undefined, { nodes: cluster.nodes, tls: false }, () => cluster.stop());
      const probe = admin(cluster.nodes[0]!);
      const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      masterOf = async (key) => {
        const slot = (await probe.call('CLUSTER', 'KEYSLOT', key)) as number;
        const [, , [, port]] = ranges.find(([first, last]) => slot >= first && slot <= last)!;
        return cluster.nodes.findIndex((n) => n.port === port);
      };
    });
    afterAll(async () => {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      for (const c of children) await c.kill();
      for (const l of links) await l.close();
      for (const s of sandboxes) await s.close();
      await redis?.close();
    });

    /**
     * One cycle of a tenant whose master no other test has failed over, its queues on another
     * master; `fault` runs once the worker's first or second fenced batch has been cleared by Redis.
     */
    async function cycleWithFailover(
      id: string,
      fault: (
        master: ClusterNode,
        replica: ClusterNode,
        link: HoldingLink,
        sandbox: HubSpotSandboxHandle,
      ) => Promise<void>,
      env: Record<string, string> = {},
    ) {
      const tagKey = tenantKeys('x', id).writeIntents;
      const master = await masterOf(tagKey);
      if (used.has(master)) throw new Error(`tenant ${id} shares master ${master} with an earlier test`);
      used.add(master);
      let prefix = '';
      do prefix = `f${randomUUID().slice(0, 8)}`;
      while ((await masterOf(`{${prefix}}`)) === master);

      const sandbox = await startHubSpotSandbox({ seed: 41, deals: 1_200, faults: { latencyMs: 40 } });
      sandboxes.push(sandbox);
      const tenant = hubspotTenant(id, sandbox, NO_SCHEDULE);
      const dir = mkdtempSync(join(tmpdir(), 'ph-failover-'));
      const tenantsFile = join(dir, 'tenants.json');
      writeFileSync(tenantsFile, JSON.stringify({ tenants: [tenant] }));
      const link = await startRedisHoldingLink(redis);
      links.push(link);
      const keys = tenantKeys(prefix, id);
      link.holdAnswersAfter(
        (sent) => (sent.includes(keys.writeIntents) ? occurrences(sent, keys.effectClearedAt) : 0),
        2,
      );
      const worker = startWorkerProcess({
        LOG_LEVEL: 'warn',
        PH_PREFIX: prefix,
        TENANTS_FILE: tenantsFile,
        WORKER_LOCK_MS: '5000',
        WORKER_CONCURRENCY: '1',
        CRM_REQUEST_TIMEOUT_MS: '10000',
        ...env,
        ...link.env,
      });
      children.push(worker);
      const runtime = new Runtime({ redis, prefix, logger: testLogger(), tenants: [tenant], workers: false });
      try {
        const started = await runtime.launcher.start({ tenantId: id, trigger: 'manual' });
        if (!started.started) throw new Error('the cycle did not start');
        await until(() => link.holding(), 'the second fenced batch', 300_000);
        await fault(cluster.nodes[master]!, cluster.replicas[master]![0]!, link, sandbox);
        sandbox.faults.latencyMs = 0;

        const store = runtime.deps.store(id);
        await until(
          async () => (await store.runs.recent()).some((r) => r.runId === started.runId),
          'the run to finish',
          300_000,
        );
        const run = (await store.runs.recent()).find((r) => r.runId === started.runId)!;
        const scored = (run.steps as Record<string, { scored?: number }>).score?.scored;
        const perDeal = new Map<string, number>();
        for (const w of sandbox.inspect
          .writes()
          .filter((w) => w.objectType === 'deals' && w.operation === 'update'))
          perDeal.set(w.recordId, (perDeal.get(w.recordId) ?? 0) + 1);
        const duplicateWrites = [...perDeal.values()].reduce((n, c) => n + c - 1, 0);
        const alertKeys = sandbox.inspect
          .writes()
          .filter((w) => w.objectType === 'tasks' && w.operation === 'create')
          .map((w) => String(w.values.ph_alert_key));
        const duplicateTasks = alertKeys.length - new Set(alertKeys).size;
        process.stderr.write(
          `[failover ${id}] status=${run.status} scored=${scored} updated=${perDeal.size} duplicateWrites=${duplicateWrites} tasks=${alertKeys.length} duplicateTasks=${duplicateTasks}\n`,
        );
        expect(run.error).toBeUndefined();
        expect(run.status).toBe('completed');
        expect(perDeal.size).toBe(scored); // nothing lost
        expect(duplicateWrites).toBe(0);
        expect(duplicateTasks).toBe(0);
      } finally {
        await runtime.close();
      }
    }

    /** Promote `replica` in place of its dead master, and wait until it serves as master. */
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
    }

    it('completes the cycle with no duplicate write or task when the master dies mid-batch', {
      timeout: 600_000,
    }, async () => {
      await cycleWithFailover('foa', async (master, replica, link) => {
        // The master has run the fence of the second batch and answered; the worker has not heard.
        process.kill(master.pid, 'SIGKILL');
        await takeOver(replica);
        link.release();
      });
    });

    it('completes the cycle with no duplicate write or task when the replica lagged behind', {
      timeout: 600_000,
    }, async () => {
      await cycleWithFailover('fob', async (master, replica, link, sandbox) => {
        // Replication stops (the replica is paused and its link dropped), so whatever the master
        // acknowledges from here on is on the master only: the window the cluster spec describes.
        process.kill(replica.pid, 'SIGSTOP');
        stopped.push(replica.pid);
        const m = admin(master);
        await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
        m.disconnect();
        const before = sandbox.inspect.writes().length;
        link.release();
        // A few more batches are written (and recorded on the master alone), then it dies.
        await until(() => sandbox.inspect.writes().length >= before + 300, 'three more batches', 300_000);
        process.kill(master.pid, 'SIGKILL');
        process.kill(replica.pid, 'SIGCONT');
        stopped.splice(stopped.indexOf(replica.pid), 1);
        await takeOver(replica);
      });
    });
  },
);
