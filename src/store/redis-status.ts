import type { RedisClient } from './redis-client.ts';

/**
 * True while a connection is lost (reconnecting, closed or ended). A client still making its
 * first connection counts as up: its commands wait a moment for it, while a lost one may wait
 * for minutes, which the admin API answers with 503 at once instead.
 */
export function isRedisDown(client: RedisClient): boolean {
  return client.status === 'reconnecting' || client.status === 'close' || client.status === 'end';
}
