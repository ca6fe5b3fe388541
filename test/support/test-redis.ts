import type { Redis } from 'ioredis';
import { masterNodes, type RedisClient } from '../../src/store/redis-client.ts';
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

/**
 * Call `onEvent` with each keyspace event of `key` (`expired`, `del`, ...). Keyspace notifications
 * are node-local on a Redis Cluster, unlike ordinary Pub/Sub ("Events in a cluster",
 * https://redis.io/docs/latest/develop/use/keyspace-notifications/): every master is configured
 * and subscribed, so the event is heard wherever the key lives. Returns the unsubscribe.
 */
export async function watchKeyspace(
  client: RedisClient,
  key: string,
  onEvent: (event: string) => void,
): Promise<() => void> {
  const subscribers: Redis[] = [];
  for (const node of await masterNodes(client)) {
    await node.config('SET', 'notify-keyspace-events', 'Kgx');
    const subscriber = node.duplicate();
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, event: string) => onEvent(event));
    await subscriber.subscribe(`__keyspace@0__:${key}`);
    subscribers.push(subscriber);
  }
  return () => {
    for (const s of subscribers) s.disconnect();
  };
}
