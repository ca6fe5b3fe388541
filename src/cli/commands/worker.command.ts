import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { createLogger } from '../../shared/logger.ts';
import { redactUrl, resolveRedis } from '../../store/redis-connection.ts';
import { progressLogger } from '../progress-printer.ts';
import { runCommand } from '../run-command.ts';
import { Runtime } from '../runtime.ts';
import { loadConfiguredTenants } from '../tenant-source.ts';

/**
 * `pipeline-health worker`: long-running. Reconciles each tenant's schedules (nightly cron in its
 * time zone, incremental interval), processes jobs, reloads the tenants file on SIGHUP, and shuts
 * down gracefully on SIGTERM/SIGINT (active jobs finish; nothing is left half-written).
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the queue workers and tenant schedules until stopped (SIGTERM: graceful)')
    .option('-t, --tenants <file>', 'tenants file (YAML or JSON); default $TENANTS_FILE')
    .action((opts: { tenants?: string }) =>
      runCommand(async () => {
        const env = loadEnv();
        const logger = createLogger({ level: env.LOG_LEVEL, base: { service: 'worker' } });
        const tenants = await loadConfiguredTenants(env, opts.tenants);
        const redis = await resolveRedis(env.REDIS_URL);
        if (redis.throwaway)
          logger.warn('REDIS_URL is unset: using a throwaway redis-server; state is lost on exit');
        const runtime = new Runtime({
          redis,
          prefix: env.PH_PREFIX,
          logger,
          tenants,
          concurrency: env.WORKER_CONCURRENCY,
          lockDurationMs: env.WORKER_LOCK_MS,
          onProgress: progressLogger(logger),
        });
        const schedules = await runtime.schedules.reconcile(tenants);
        await runtime.pool?.waitUntilReady();
        logger.info(
          { redis: redactUrl(redis.url), tenants: tenants.map((t) => t.id), schedules },
          'worker ready',
        );

        process.on('SIGHUP', () => {
          void loadConfiguredTenants(env, opts.tenants)
            .then(async (next) => {
              await runtime.setTenants(next);
              logger.info({ tenants: next.map((t) => t.id) }, 'tenants reloaded');
            })
            .catch((err: unknown) =>
              logger.error({ err }, 'tenants reload failed; keeping the previous configuration'),
            );
        });
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            logger.info({ signal }, 'shutting down: finishing active jobs');
            resolve();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        await runtime.close();
        await redis.close();
        logger.info('stopped');
        return 0;
      }),
    );
}
