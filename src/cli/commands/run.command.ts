import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { createLogger } from '../../shared/logger.ts';
import { AppError } from '../../shared/app-error.ts';
import { type RedisEndpoint, redactUrl, resolveRedis } from '../../store/redis-connection.ts';
import { progressPrinter } from '../progress-printer.ts';
import { EXIT, runCommand } from '../run-command.ts';
import { collectRunReport, renderRunReport } from '../run-report.ts';
import { connectorSettings, processClock } from '../connector-factory.ts';
import { Runtime } from '../runtime.ts';
import { loadConfiguredTenants } from '../tenant-source.ts';

/** `pipeline-health run --tenant T`: one cycle now; waits; prints the summary. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one cycle for a tenant now, wait for it and print the summary')
    .requiredOption('--tenant <id>', 'tenant id from the tenants file')
    .option('-t, --tenants <file>', 'tenants file (YAML or JSON); default $TENANTS_FILE')
    .option('--full', 'ignore the sync cursor and pull everything again')
    .option('--no-workers', 'only enqueue: let the running `worker` processes do the work')
    .option('--json', 'print the summary as one JSON object')
    .action((opts: { tenant: string; tenants?: string; full?: boolean; workers: boolean; json?: boolean }) =>
      runCommand(async () => {
        const env = loadEnv();
        const tenants = await loadConfiguredTenants(env, opts.tenants);
        const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
        const logger = createLogger({
          level: opts.json ? 'warn' : env.LOG_LEVEL,
          destination: process.stderr as never,
        });
        const runtime = new Runtime({
          redis,
          prefix: env.PH_PREFIX,
          logger,
          tenants,
          now: processClock(env),
          connectorSettings: connectorSettings(env),
          workers: opts.workers,
          concurrency: env.WORKER_CONCURRENCY,
          fenceDurability: { replicas: env.REDIS_WAIT_REPLICAS, timeoutMs: env.REDIS_WAIT_TIMEOUT_MS },
          ...(opts.json ? {} : { onProgress: progressPrinter() }),
        });
        const lost = redisLoss(redis);
        try {
          const tenant = tenants.find((t) => t.id === opts.tenant);
          const summary = await Promise.race([
            runtime.runCycle({
              tenantId: opts.tenant,
              trigger: 'manual',
              fullResync: opts.full ?? false,
            }),
            lost.promise,
          ]);
          const report = await collectRunReport(summary, runtime.deps.store(opts.tenant), {
            crm: tenant?.connection.crm ?? 'unknown',
            ...(tenant ? { apiCallsByEndpoint: runtime.deps.connector(tenant).usage().callsByEndpoint } : {}),
          });
          process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${renderRunReport(report)}\n`);
          return summary.status === 'completed' ? EXIT.ok : EXIT.failure;
        } finally {
          lost.stop();
          if (lost.happened()) {
            runtime.abandon();
            // BullMQ's own duplicated connections keep reconnecting: end the process once the error is out.
            setTimeout(() => process.exit(), 1_000).unref();
          } else {
            await runtime.close();
          }
          await redis.close();
        }
      }),
    );
}

/** Redis unreachable this long ends `run` with one REDIS_UNAVAILABLE (the run resumes from Redis later). */
const REDIS_LOSS_MS = 3_000;

function redisLoss(redis: RedisEndpoint): {
  promise: Promise<never>;
  happened(): boolean;
  stop(): void;
} {
  let timer: NodeJS.Timeout | undefined;
  let happened = false;
  const promise = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (redis.unavailableMs() < REDIS_LOSS_MS) return;
      happened = true;
      clearInterval(timer);
      reject(
        new AppError(
          'REDIS_UNAVAILABLE',
          `Lost the connection to Redis at ${redactUrl(redis.url)}; the run's progress is kept in Redis and a worker resumes it when Redis is back`,
        ),
      );
    }, 250);
  });
  promise.catch(() => {});
  return { promise, happened: () => happened, stop: () => clearInterval(timer) };
}
