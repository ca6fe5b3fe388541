import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { AppError } from '../shared/app-error.ts';
import type { RedisClient } from './redis-client.ts';
import { launchThrowawayRedis } from './redis-server-launcher.ts';

/**
 * The seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES, parsed by src/config/redis-cluster-nodes.ts):
 * the client learns every other node and the slot map from them.
 */
export interface RedisClusterSeeds {
  nodes: readonly { host: string; port: number }[];
  username?: string | undefined;
  password?: string | undefined;
  /** rediss:// seeds: TLS to every node. */
  tls: boolean;
  /**
   * Where to reach the nodes whose announced `host:port` (CLUSTER SLOTS, MOVED) this process cannot
   * (REDIS_CLUSTER_NAT_MAP): ioredis' `natMap` option.
   */
  natMap?: Readonly<Record<string, { host: string; port: number }>> | undefined;
}

/** Where Redis is, and how to let it go. */
export interface RedisEndpoint {
  /** The Redis URL, or for a cluster `redis-cluster://` and its seed nodes (for messages; may hold a password: redactUrl). */
  url: string;
  /** True on a Redis Cluster: clients are ioredis `Cluster` instances. */
  cluster: boolean;
  /** True when we started a private redis-server for this process. */
  throwaway: boolean;
  /** The environment variables that point another process at this Redis (REDIS_URL or REDIS_CLUSTER_NODES). */
  env: Record<string, string>;
  /**
   * A new ioredis client (a `Cluster` on a cluster); BullMQ workers need `maxRetriesPerRequest:
   * null`, which is the default here.
   */
  createClient(options?: RedisOptions): RedisClient;
  /** Stops the throwaway server (no-op for an external Redis). */
  close(): Promise<void>;
  /**
   * How long the clients of this endpoint have been unable to reach Redis, in ms (0 while connected).
   * Every client gets an error listener, so a lost connection is counted here instead of ioredis
   * printing an "Unhandled error event" stack trace per reconnect attempt.
   */
  unavailableMs(): number;
}

/** A Cluster client from seeds, with the per-node options of a single client mapped to where ioredis wants them. */
function clusterClient(seeds: RedisClusterSeeds, options: RedisOptions): Cluster {
  const { lazyConnect, retryStrategy, enableOfflineQueue, ...nodeOptions } = options;
  return new Cluster(
    seeds.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: {
        maxRetriesPerRequest: null,
        ...(seeds.username === undefined ? {} : { username: seeds.username }),
        ...(seeds.password === undefined ? {} : { password: seeds.password }),
        ...(seeds.tls ? { tls: {} } : {}),
        ...nodeOptions,
      },
      ...(seeds.natMap === undefined ? {} : { natMap: { ...seeds.natMap } }),
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
    },
  );
}

/** `user:password@` of the seeds, URL-encoded ('' without a password). */
function seedAuth(seeds: RedisClusterSeeds): string {
  return seeds.password === undefined
    ? ''
    : `${encodeURIComponent(seeds.username ?? '')}:${encodeURIComponent(seeds.password)}@`;
}

/** host:port, an IPv6 host in brackets. */
function hostPort(node: { host: string; port: number }): string {
  return `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;
}

/** The `redis-cluster://` form of the seeds, for messages (redactUrl hides a password). */
function clusterUrl(seeds: RedisClusterSeeds): string {
  return `redis-cluster://${seedAuth(seeds)}${seeds.nodes.map(hostPort).join(',')}`;
}

/** REDIS_CLUSTER_NODES (and REDIS_CLUSTER_NAT_MAP) for a child process: the seeds as the env schema reads them. */
export function clusterEnv(seeds: RedisClusterSeeds): Record<string, string> {
  const scheme = seeds.tls ? 'rediss' : 'redis';
  const env: Record<string, string> = {
    REDIS_CLUSTER_NODES: seeds.nodes.map((n) => `${scheme}://${seedAuth(seeds)}${hostPort(n)}`).join(','),
  };
  if (seeds.natMap !== undefined) {
    env.REDIS_CLUSTER_NAT_MAP = Object.entries(seeds.natMap)
      .map(([announced, reachable]) => {
        // ioredis keys an IPv6 node as `::1:7000`: the port is after the last colon.
        const cut = announced.lastIndexOf(':');
        return `${hostPort({ host: announced.slice(0, cut), port: Number(announced.slice(cut + 1)) })}=${hostPort(reachable)}`;
      })
      .join(',');
  }
  return env;
}

/**
 * Connect from REDIS_URL, or to a Redis Cluster from REDIS_CLUSTER_NODES, or when both are unset
 * start a private throwaway redis-server on a free loopback port (demo and tests) and stop it on
 * close. `onClose` runs after the endpoint's own cleanup (tests stop a throwaway cluster there).
 */
export async function resolveRedis(
  redisUrl: string | undefined,
  clusterSeeds?: RedisClusterSeeds,
  onClose?: () => Promise<void>,
): Promise<RedisEndpoint> {
  if (redisUrl !== undefined && clusterSeeds !== undefined) {
    throw new AppError('CONFIG_INVALID', 'Set REDIS_URL or REDIS_CLUSTER_NODES, not both');
  }
  const server =
    redisUrl === undefined && clusterSeeds === undefined ? await launchThrowawayRedis() : undefined;
  const url = clusterSeeds ? clusterUrl(clusterSeeds) : (redisUrl ?? server!.url);
  let lostSince: number | null = null;
  const lost = () => {
    lostSince ??= Date.now();
  };
  const endpoint: RedisEndpoint = {
    url,
    cluster: clusterSeeds !== undefined,
    throwaway: server !== undefined,
    env: clusterSeeds ? clusterEnv(clusterSeeds) : { REDIS_URL: url },
    createClient: (options = {}) => {
      const client: RedisClient = clusterSeeds
        ? clusterClient(clusterSeeds, options)
        : new Redis(url, { maxRetriesPerRequest: null, ...options });
      client.on('error', lost);
      client.on('reconnecting', lost);
      client.on('ready', () => {
        lostSince = null;
      });
      return client;
    },
    close: async () => {
      await server?.stop();
      await onClose?.();
    },
    unavailableMs: () => (lostSince === null ? 0 : Date.now() - lostSince),
  };
  if (server === undefined) {
    // Fail fast with a clear error instead of hanging on an unreachable external Redis.
    const probe = endpoint.createClient({
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
    } catch (err) {
      throw new AppError(
        'REDIS_UNAVAILABLE',
        `Cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    } finally {
      probe.disconnect();
    }
  }
  return endpoint;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  // A cluster's several host:port pairs are no WHATWG URL: hide the password by hand.
  if (url.startsWith('redis-cluster://')) return url.replace(/^(redis-cluster:\/\/[^:@/]*:)[^@]*@/, '$1***@');
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
