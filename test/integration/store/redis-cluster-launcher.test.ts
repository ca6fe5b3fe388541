import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { resolveRedis } from '../../../src/store/redis-connection.ts';
import { launchThrowawayRedis } from '../../../src/store/redis-server-launcher.ts';
import { launchThrowawayCluster } from '../../support/redis-cluster-launcher.ts';
import { watchKeyspace } from '../../support/test-redis.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The cluster test mode (PH_TEST_REDIS=cluster) stands on this launcher: three masters that share
// the 16,384 slots (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
describe('throwaway Redis Cluster', () => {
  it('starts 3 masters on free loopback ports that serve every slot, and is gone after stop', {
    timeout: 120_000,
  }, async () => {
    const cluster = await launchThrowawayCluster({ masters: 3 });
    const ports = cluster.nodes.flatMap((n) => [n.port, n.busPort]);
    expect(new Set(ports).size).toBe(6);
    expect(cluster.nodes.every((n) => isAlive(n.pid))).toBe(true);

    const node = new Redis({ host: '127.0.0.1', port: cluster.nodes[0]!.port });
    const info = (await node.call('CLUSTER', 'INFO')) as string;
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_size:3');
    node.disconnect();

    // A cluster client follows the slot map: keys of different slots land on different masters.
    const client = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })));
    for (let i = 0; i < 30; i += 1) await client.set(`k${i}`, String(i));
    const perNode = await Promise.all(client.nodes('master').map((m) => m.dbsize()));
    expect(perNode).toHaveLength(3);
    expect(perNode.every((n) => n > 0)).toBe(true);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(30);
    // Keys of different slots in one transaction are refused, as on any Redis Cluster.
    await expect(client.multi().set('a', '1').set('b', '1').exec()).rejects.toThrow();
    client.disconnect();

    await cluster.stop();
    expect(cluster.nodes.some((n) => isAlive(n.pid))).toBe(false);
  });

  // Keyspace notifications are node-local on a cluster, unlike ordinary Pub/Sub ("Events in a
  // cluster", https://redis.io/docs/latest/develop/use/keyspace-notifications/): one subscriber
  // heard none of six expiries; the delayed-step-lock test relies on hearing its lock expire.
  it('lets a test hear a key expire whichever master holds it', { timeout: 120_000 }, async () => {
    const cluster = await launchThrowawayCluster({ masters: 3 });
    const redis = await resolveRedis(undefined, { nodes: cluster.nodes, tls: false }, () => cluster.stop());
    const client = redis.createClient();
    try {
      const keys = Array.from({ length: 6 }, (_, i) => `x:{t:tenant-${i}}:cycle-lock`);
      const expired = new Set<string>();
      const unwatch: (() => void)[] = [];
      for (const key of keys) {
        unwatch.push(
          await watchKeyspace(client, key, (event) => {
            if (event === 'expired') expired.add(key);
          }),
        );
      }
      for (const key of keys) await client.set(key, '1', 'PX', 50);
      // Redis expires a key when it is touched or by its background cycle; touch them until all are heard.
      const deadline = Date.now() + 30_000;
      while (expired.size < keys.length && Date.now() < deadline) {
        for (const key of keys) await client.get(key);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const u of unwatch) u();
      expect([...expired].sort()).toEqual([...keys].sort());
      // The keys really are spread: more than one master (the launcher's equal slot ranges) holds them.
      const slots = await Promise.all(keys.map((k) => client.cluster('KEYSLOT', k)));
      expect(new Set(slots.map((slot) => Math.floor((slot * 3) / 16_384))).size).toBeGreaterThan(1);
    } finally {
      client.disconnect();
      await redis.close();
    }
  });

  it('fails fast with REDIS_UNAVAILABLE when the seeds are no cluster or do not answer', async () => {
    const single = await launchThrowawayRedis();
    try {
      // A plain server named as a cluster seed: CLUSTER SLOTS is refused, so there is no slot map.
      await expect(
        resolveRedis(undefined, { nodes: [{ host: '127.0.0.1', port: single.port }], tls: false }),
      ).rejects.toMatchObject({
        code: 'REDIS_UNAVAILABLE',
      });
    } finally {
      await single.stop();
    }
    // The stopped server's port: nothing listens there any more.
    await expect(
      resolveRedis(undefined, { nodes: [{ host: '127.0.0.1', port: single.port }], tls: false }),
    ).rejects.toMatchObject({
      code: 'REDIS_UNAVAILABLE',
    });
  });
});
