import type { Logger } from '../shared/logger.ts';

/** Socket-level failures of a Redis connection (ioredis reconnects by itself). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

/**
 * An 'error' listener for BullMQ queues, flow producers and workers. Without one BullMQ prints each
 * error with its stack to the console, once per reconnect attempt, for as long as Redis is away.
 * A lost connection is logged once per outage (the commands report REDIS_UNAVAILABLE); other errors
 * are logged each time.
 */
export function bullErrorListener(logger: Logger, source: string): (err: Error) => void {
  let outage = false;
  return (err) => {
    if (isConnectionError(err)) {
      if (!outage)
        logger.warn({ source, code: (err as { code?: string }).code }, 'Redis connection lost; reconnecting');
      outage = true;
      return;
    }
    outage = false;
    logger.error({ err, source }, `${source} error`);
  };
}
