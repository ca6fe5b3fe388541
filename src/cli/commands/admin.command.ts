import type { FenceDurability } from '../../store/effect-fence.ts';
import { Queue } from 'bullmq';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import type { AdminDeps } from '../../admin/admin-deps.ts';
import { buildAdminServer } from '../../admin/admin-server.ts';
import { loadEnv } from '../../config/env.ts';
import { loadTenantsFile } from '../../config/tenants-file.ts';
import type { Tenant } from '../../domain/index.ts';
import { bullPrefix, QUEUES } from '../../queue/queue-names.ts';
import { AppError } from '../../shared/app-error.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { CredentialCipher } from '../../store/credential-cipher.ts';
import { type RedisEndpoint, redactUrl, resolveRedis } from '../../store/redis-connection.ts';
import { TenantRegistryStore } from '../../store/tenant-registry.store.ts';
import { AuditLogStore } from '../../store/audit-log.store.ts';
import { IdempotencyStore } from '../../store/idempotency.store.ts';
import { isRedisDown } from '../../store/redis-status.ts';
import { RunCountersStore } from '../../store/run-counters.store.ts';
import type { AccessToken } from '../../config/admin-tokens.ts';
import { mergeTenants } from '../tenant-source.ts';
import { progressLogger } from '../progress-printer.ts';
import { EXIT, runCommand } from '../run-command.ts';
import { destroyHttpTransports } from '../http-transports.ts';
import { Runtime } from '../runtime.ts';

/** Options of {@link startAdminService}. */
export interface AdminServiceOptions {
  redis: RedisEndpoint;
  prefix: string;
  logger: Logger;
  /** Accepted bearer tokens (bare strings are admin tokens); at least one. */
  tokens: readonly (string | AccessToken)[];
  /** PH_ENCRYPTION_KEY; without it API tenants cannot be stored (the API says so). */
  encryptionKey?: string | undefined;
  /** PH_ENCRYPTION_KEY_PREVIOUS: older keys still accepted for decryption during a rotation. */
  previousEncryptionKeys?: readonly string[] | undefined;
  /** Tenants of the tenants file (read-only through the API); re-read on reload. Default: none. */
  loadFileTenants?: () => Promise<Tenant[]>;
  /** Run the queue workers in this process. Default true. */
  workers?: boolean;
  concurrency?: number;
  lockDurationMs?: number;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS for the workers' effect fences. Default: no wait. */
  fenceDurability?: FenceDurability;
  /** ADMIN_TRUST_PROXY: a TLS proxy's addresses, whose X-Forwarded-* headers are trusted. */
  trustProxy?: string[] | undefined;
  /** Listen address. Default 127.0.0.1:8080; port 0 picks a free port. */
  host?: string;
  port?: number;
  /** Connector factory override (tests). */
  connector?: (tenant: Tenant) => CrmConnector;
}

export interface AdminService {
  app: FastifyInstance;
  runtime: Runtime;
  /** http://host:port the server listens on. */
  url: string;
  /** Re-read the tenants file and apply file + API tenants to the runtime. */
  reloadFileTenants: () => Promise<void>;
  /** Graceful: stop accepting requests, let active jobs finish, close connections. */
  close: () => Promise<void>;
}

/**
 * The composition root of the admin process: the Runtime (workers, schedules) over file + API
 * tenants, the tenant registry with its cipher, and the admin server wired to both, listening.
 */
export async function startAdminService(options: AdminServiceOptions): Promise<AdminService> {
  if (options.tokens.length === 0) {
    throw new AppError('CONFIG_INVALID', 'ADMIN_TOKENS is not set: the admin API needs at least one token');
  }
  const registryClient = options.redis.createClient();
  const registry = new TenantRegistryStore({
    redis: registryClient,
    prefix: options.prefix,
    cipher:
      options.encryptionKey === undefined
        ? null
        : new CredentialCipher(options.encryptionKey, options.previousEncryptionKeys ?? []),
  });
  try {
    return await startWithRegistry(options, registry, registryClient);
  } catch (err) {
    // A start-up failure must not leave connections open (the process would hang instead of exiting).
    registryClient.disconnect();
    throw err;
  }
}

async function startWithRegistry(
  options: AdminServiceOptions,
  registry: TenantRegistryStore,
  registryClient: ReturnType<RedisEndpoint['createClient']>,
): Promise<AdminService> {
  const loadFile = options.loadFileTenants ?? (async () => []);
  let fileTenants = await loadFile();
  if (!registry.canStoreCredentials) {
    options.logger.warn('PH_ENCRYPTION_KEY is unset: tenants can only come from the tenants file');
  }
  if (registry.canStoreCredentials) {
    // One tenant that cannot be decrypted (a new key without the old one) is skipped, not fatal.
    for (const { id, reason } of (await registry.listReport()).unreadable) {
      options.logger.error(
        { tenantId: id, reason },
        'tenant cannot be decrypted and is skipped: set PH_ENCRYPTION_KEY_PREVIOUS to the old key and run `pipeline-health keys rotate`',
      );
    }
  }
  const merge = (): Promise<Tenant[]> => mergeTenants(fileTenants, registry);
  const tenants = await merge();
  const runtime = new Runtime({
    redis: options.redis,
    prefix: options.prefix,
    logger: options.logger,
    tenants,
    workers: options.workers ?? true,
    concurrency: options.concurrency ?? 4,
    onProgress: progressLogger(options.logger),
    ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
    ...(options.fenceDurability === undefined ? {} : { fenceDurability: options.fenceDurability }),
    ...(options.connector ? { connector: options.connector } : {}),
  });
  await runtime.schedules.reconcile(tenants);
  await runtime.pool?.waitUntilReady();

  // Read-only handles for the dashboard and queue-depth metrics (one connection for the three).
  const queueClient = options.redis.createClient();
  const queues = Object.values(QUEUES).map(
    (name) => new Queue(name, { connection: queueClient, prefix: bullPrefix(options.prefix) }),
  );
  const deps: AdminDeps = {
    queues,
    tokens: options.tokens,
    audit: new AuditLogStore(registryClient, options.prefix),
    idempotency: new IdempotencyStore(registryClient, options.prefix),
    runCounters: new RunCountersStore(registryClient, options.prefix),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    redisReady: () => ![registryClient, runtime.client, queueClient].some(isRedisDown),
    logger: options.logger,
    fileTenants: () => fileTenants,
    registry,
    applyTenants: (next) => runtime.setTenants(next),
    store: (id) => runtime.deps.store(id),
    startRun: async ({ tenantId, fullResync }) => {
      const started = await runtime.launcher.start({ tenantId, trigger: 'manual', fullResync });
      return started.started
        ? { started: true, runId: started.runId }
        : { started: false, runId: started.runId };
    },
    startTraining: async (tenantId) => ({ jobId: await runtime.startTraining(tenantId) }),
    apiUsage: (tenantId) => {
      const tenant = runtime.tenantList().find((t) => t.id === tenantId);
      return tenant ? runtime.deps.connector(tenant).usage() : null;
    },
    ping: async () => (await runtime.client.ping()) === 'PONG',
  };
  const app = await buildAdminServer(deps);
  let url: string;
  try {
    url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  } catch (err) {
    // Port in use and the like: close what was started, so the process exits with the error's code.
    await app.close();
    await runtime.close();
    await Promise.all(queues.map((q) => q.close()));
    queueClient.disconnect();
    throw new AppError('CONFIG_INVALID', `cannot listen: ${(err as Error).message}`, { cause: err });
  }
  return {
    app,
    runtime,
    url,
    reloadFileTenants: async () => {
      fileTenants = await loadFile();
      await runtime.setTenants(await merge());
    },
    close: async () => {
      await app.close();
      await runtime.close();
      await Promise.all(queues.map((q) => q.close()));
      queueClient.disconnect();
      registryClient.disconnect();
    },
  };
}

/**
 * `pipeline-health admin`: the admin HTTP API, by default with the workers and schedules in the
 * same process (`--no-workers` serves only). SIGHUP re-reads the tenants file; SIGTERM/SIGINT
 * stop gracefully.
 */
export function registerAdmin(program: Command): void {
  program
    .command('admin')
    .description('serve the admin HTTP API (and run the workers and schedules unless --no-workers)')
    .option(
      '-t, --tenants <file>',
      'tenants file (YAML or JSON), read-only through the API; default $TENANTS_FILE',
    )
    .option('--host <host>', 'listen address; default $ADMIN_HOST or 127.0.0.1')
    .option('--port <port>', 'listen port; default $ADMIN_PORT or 8080')
    .option('--no-workers', 'serve the API only; let separate `worker` processes run the jobs')
    .action((opts: { tenants?: string; host?: string; port?: string; workers: boolean }) =>
      runCommand(async () => {
        const env = loadEnv();
        const logger = createLogger({ level: env.LOG_LEVEL, base: { service: 'admin' } });
        // Listen for the stop signals first: a SIGTERM before any listener kills the process outright.
        const stopRequested = new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            logger.info({ signal }, 'shutting down: finishing requests and active jobs');
            resolve();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        const port = opts.port === undefined ? env.ADMIN_PORT : Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new AppError('CONFIG_INVALID', `--port must be a port number, got "${opts.port}"`);
        }
        const tenantsPath = opts.tenants ?? env.TENANTS_FILE;
        const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
        if (redis.throwaway)
          logger.warn(
            'REDIS_URL and REDIS_CLUSTER_NODES are unset: using a throwaway redis-server; state is lost on exit',
          );
        let service: AdminService;
        try {
          service = await startAdminService({
            redis,
            prefix: env.PH_PREFIX,
            logger,
            tokens: env.ADMIN_TOKENS ?? [],
            encryptionKey: env.PH_ENCRYPTION_KEY,
            previousEncryptionKeys: env.PH_ENCRYPTION_KEY_PREVIOUS,
            trustProxy: env.ADMIN_TRUST_PROXY,
            ...(tenantsPath === undefined ? {} : { loadFileTenants: () => loadTenantsFile(tenantsPath) }),
            workers: opts.workers,
            concurrency: env.WORKER_CONCURRENCY,
            lockDurationMs: env.WORKER_LOCK_MS,
            fenceDurability: { replicas: env.REDIS_WAIT_REPLICAS, timeoutMs: env.REDIS_WAIT_TIMEOUT_MS },
            host: opts.host ?? env.ADMIN_HOST,
            port,
          });
        } catch (err) {
          await redis.close();
          // Safety net: a fatal start-up error exits with its code even if a handle stays open.
          setTimeout(() => process.exit(process.exitCode ?? EXIT.failure), 5_000).unref();
          throw err;
        }
        logger.info(
          {
            url: service.url,
            redis: redactUrl(redis.url),
            workers: opts.workers,
            tenantsFile: tenantsPath ?? null,
          },
          'admin ready',
        );
        process.on('SIGHUP', () => {
          void service
            .reloadFileTenants()
            .then(() => logger.info('tenants file reloaded'))
            .catch((err: unknown) =>
              logger.error({ err }, 'tenants reload failed; keeping the previous configuration'),
            );
        });
        await stopRequested;
        await service.close();
        // Requests the ended steps no longer wait for (see http-transports.ts).
        await destroyHttpTransports();
        await redis.close();
        logger.info('stopped');
        return 0;
      }),
    );
}
