import { type RedisEndpoint, resolveRedis } from '../../src/store/redis-connection.ts';
import { launchThrowawayCluster } from './redis-cluster-launcher.ts';

/** True when this test run targets a Redis Cluster (`PH_TEST_REDIS=cluster`, the vitest project `cluster`). */
export const onCluster = process.env.PH_TEST_REDIS === 'cluster';

/**
 * The Redis a test runs against: a private throwaway redis-server, or with `PH_TEST_REDIS=cluster`
 * a private 3-master Redis Cluster on loopback ports (test/support/redis-cluster-launcher.ts),
 * reached the way production reaches one (REDIS_CLUSTER_NODES seeds). Either is removed on close.
 */
export async function startTestRedis(): Promise<RedisEndpoint> {
  if (!onCluster) return resolveRedis(undefined);
  const cluster = await launchThrowawayCluster({ masters: 3 });
  try {
    return await resolveRedis(undefined, { nodes: cluster.nodes, tls: false }, () => cluster.stop());
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
