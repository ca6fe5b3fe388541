import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from '../shared/app-error.ts';
import { launchThrowawayRedis } from './redis-server-launcher.ts';

/** Where Redis is, and how to let it go. */
export interface RedisEndpoint {
  url: string;
  /** True when we started a private redis-server for this process. */
  throwaway: boolean;
  /** A new ioredis client; BullMQ workers need `maxRetriesPerRequest: null`, which is the default here. */
  createClient(options?: RedisOptions): Redis;
  /** Stops the throwaway server (no-op for an external Redis). */
  close(): Promise<void>;
  /**
   * How long the clients of this endpoint have been unable to reach Redis, in ms (0 while connected).
   * Every client gets an error listener, so a lost connection is counted here instead of ioredis
   * printing an "Unhandled error event" stack trace per reconnect attempt.
   */
  unavailableMs(): number;
}

/**
 * Connect from REDIS_URL, or when it is unset start a private throwaway redis-server on a free
 * loopback port (demo and tests) and stop it on close.
 */
export async function resolveRedis(redisUrl: string | undefined): Promise<RedisEndpoint> {
  const server = redisUrl === undefined ? await launchThrowawayRedis() : undefined;
  const url = redisUrl ?? server!.url;
  let lostSince: number | null = null;
  const lost = () => {
    lostSince ??= Date.now();
  };
  const endpoint: RedisEndpoint = {
    url,
    throwaway: server !== undefined,
    createClient: (options = {}) => {
      const client = new Redis(url, { maxRetriesPerRequest: null, ...options });
      client.on('error', lost);
      client.on('reconnecting', lost);
      client.on('ready', () => {
        lostSince = null;
      });
      return client;
    },
    close: async () => {
      await server?.stop();
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
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
