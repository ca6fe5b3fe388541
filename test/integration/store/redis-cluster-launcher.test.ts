import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { launchThrowawayCluster } from '../../support/redis-cluster-launcher.ts';

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
});
