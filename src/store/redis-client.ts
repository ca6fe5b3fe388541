import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to Redis: one server (`Redis`) or a Redis Cluster (`Cluster`, which routes each
 * command to the node serving its key's slot). Stores take either; a multi-key command, MULTI or
 * script must name keys of one hash slot (one hash tag), and a command without keys (SCAN, INFO,
 * CONFIG, PUBLISH) reaches one node only: see `masterNodes`.
 */
export type RedisClient = Redis | Cluster;

/** The servers that hold the data: the client itself, or every master of a cluster. */
export function masterNodes(client: RedisClient): Redis[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
}
