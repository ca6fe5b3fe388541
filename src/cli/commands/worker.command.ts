import { getHeapStatistics } from 'node:v8';
import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import type { Tenant } from '../../domain/index.ts';
import { createLogger } from '../../shared/logger.ts';
import { CredentialCipher } from '../../store/credential-cipher.ts';
import { TenantRegistryStore } from '../../store/tenant-registry.store.ts';
import { redactUrl, resolveRedis } from '../../store/redis-connection.ts';
import { progressLogger } from '../progress-printer.ts';
import { runCommand } from '../run-command.ts';
import { connectorSettings, processClock } from '../connector-factory.ts';
import { destroyHttpTransports } from '../http-transports.ts';
import { Runtime } from '../runtime.ts';
import { loadConfiguredTenants, mergeTenants } from '../tenant-source.ts';

/** How often a worker looks for tenants created, changed or deleted through the admin API. */
const REGISTRY_POLL_MS = 30_000;

/**
 * Last resort: how long a worker that has stopped (jobs ended, connections closed, "stopped"
 * logged) may stay alive before it exits anyway, logging what was still open. Nothing should be:
 * this only bounds a leak (a handle some library keeps) so an orchestrator does not have to kill.
 */
const EXIT_AFTER_STOPPED_MS = 10_000;

/**
 * `pipeline-health worker`: long-running. Reconciles each tenant's schedules (nightly cron in its
 * time zone, incremental interval), processes jobs for the tenants of the tenants file and those
 * stored through the admin API (checked every 30 s), reloads the tenants file on SIGHUP, and shuts
 * down gracefully on SIGTERM/SIGINT: active steps are cancelled and put back in the queue, each
 * resumable from its saved progress, then the process exits (docs/PIPELINE.md, "Stopping a worker").
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
        // Listen for the stop signals before anything else: until a listener exists a SIGTERM kills
        // the process outright, and one sent as soon as "worker ready" appears could arrive before a
        // listener added after that line (seen under load: the worker died without "stopped").
        const stopRequested = new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            logger.info({ signal }, 'shutting down: finishing active jobs');
            resolve();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
        const registryClient = redis.createClient();
        const registry = new TenantRegistryStore({
          redis: registryClient,
          prefix: env.PH_PREFIX,
          cipher:
            env.PH_ENCRYPTION_KEY === undefined
              ? null
              : new CredentialCipher(env.PH_ENCRYPTION_KEY, env.PH_ENCRYPTION_KEY_PREVIOUS ?? []),
        });
        // Without a tenants file, API tenants alone are fine (when they can be decrypted).
        let fileTenants = await loadConfiguredTenants(env, opts.tenants, {
          optional: registry.canStoreCredentials,
        });
        const tenants = await mergeTenants(fileTenants, registry);
        if (redis.throwaway)
          logger.warn(
            'REDIS_URL and REDIS_CLUSTER_NODES are unset: using a throwaway redis-server; state is lost on exit',
          );
        const runtime = new Runtime({
          redis,
          prefix: env.PH_PREFIX,
          logger,
          tenants,
          now: processClock(env),
          connectorSettings: connectorSettings(env),
          concurrency: env.WORKER_CONCURRENCY,
          lockDurationMs: env.WORKER_LOCK_MS,
          fenceDurability: { replicas: env.REDIS_WAIT_REPLICAS, timeoutMs: env.REDIS_WAIT_TIMEOUT_MS },
          onProgress: progressLogger(logger),
        });
        const schedules = await runtime.schedules.reconcile(tenants);
        await runtime.pool?.waitUntilReady();
        logger.info(
          {
            redis: redactUrl(redis.url),
            tenants: tenants.map((t) => t.id),
            schedules,
            // V8's heap ceiling: WORKER_HEAP_MIB through `npm run cli` and the image (docs/PIPELINE.md).
            heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 1_048_576),
          },
          'worker ready',
        );

        let applied = JSON.stringify(tenants);
        const apply = async (next: Tenant[], why: string) => {
          const fingerprint = JSON.stringify(next);
          if (fingerprint === applied) return;
          applied = fingerprint;
          await runtime.setTenants(next);
          logger.info({ tenants: next.map((t) => t.id), why }, 'tenants reloaded');
        };
        process.on('SIGHUP', () => {
          void loadConfiguredTenants(env, opts.tenants, { optional: registry.canStoreCredentials })
            .then(async (file) => {
              fileTenants = file;
              await apply(await mergeTenants(fileTenants, registry), 'SIGHUP');
            })
            .catch((err: unknown) =>
              logger.error({ err }, 'tenants reload failed; keeping the previous configuration'),
            );
        });
        const poll = setInterval(() => {
          void mergeTenants(fileTenants, registry)
            .then((next) => apply(next, 'admin API change'))
            .catch((err: unknown) =>
              logger.error({ err }, 'reading API tenants failed; keeping the previous configuration'),
            );
        }, REGISTRY_POLL_MS);
        await stopRequested;
        clearInterval(poll);
        // Active steps are cancelled and put back in the queue; waits for them to end.
        await runtime.close();
        // Requests the ended steps no longer wait for (none, or a lookup the CRM never answered).
        await destroyHttpTransports();
        // Every client this command opened is closed, or the process never exits on an external Redis.
        registryClient.disconnect();
        await redis.close();
        logger.info('stopped');
        setTimeout(() => {
          logger.warn(
            { open: process.getActiveResourcesInfo() },
            `still running ${EXIT_AFTER_STOPPED_MS / 1000} s after stopping: exiting with these resources open`,
          );
          process.exit(process.exitCode ?? 0);
        }, EXIT_AFTER_STOPPED_MS).unref();
        return 0;
      }),
    );
}
