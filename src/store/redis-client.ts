import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to Redis: one server (`Redis`) or a Redis Cluster (`Cluster`, which routes each
 * command to the node serving its key's slot). Stores take either; a multi-key command, MULTI or
 * script must name keys of one hash slot (one hash tag), and a command without keys (SCAN, KEYS,
 * CONFIG, keyspace notifications) reaches one node only: see `masterNodes`.
 */
export type RedisClient = Redis | Cluster;

/**
 * The servers that hold the data: the client itself, or every master of a cluster (once the
 * cluster client has connected and learnt the slot map, which a PING waits for).
 */
export async function masterNodes(client: RedisClient): Promise<Redis[]> {
  if (!client.isCluster) return [client as Redis];
  const cluster = client as Cluster;
  if (cluster.status !== 'ready') await cluster.ping();
  return cluster.nodes('master');
}
