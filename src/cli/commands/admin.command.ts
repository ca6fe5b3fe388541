import { Queue } from 'bullmq';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import { AdminClient, AdminClientError } from '../../admin/admin-client.ts';
import type { AdminDeps } from '../../admin/admin-deps.ts';
import { buildAdminServer } from '../../admin/admin-server.ts';
import { loadEnv } from '../../config/env.ts';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { loadTenantsFile } from '../../config/tenants-file.ts';
import type { Tenant } from '../../domain/tenant.ts';
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
        const port = opts.port === undefined ? env.ADMIN_PORT : Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new AppError('CONFIG_INVALID', `--port must be a port number, got "${opts.port}"`);
        }
        const tenantsPath = opts.tenants ?? env.TENANTS_FILE;
        const redis = await resolveRedis(env.REDIS_URL);
        if (redis.throwaway)
          logger.warn('REDIS_URL is unset: using a throwaway redis-server; state is lost on exit');
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
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            logger.info({ signal }, 'shutting down: finishing requests and active jobs');
            resolve();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        await service.close();
        await redis.close();
        logger.info('stopped');
        return 0;
      }),
    );
}

interface ApiGlobals {
  url?: string;
  token?: string;
}

/** Run one API call and print its JSON answer; an API error prints its code and exits 1. */
function apiAction<A extends unknown[]>(
  call: (client: AdminClient, ...args: A) => Promise<unknown>,
): (...args: A) => Promise<void> {
  return (...args: A) =>
    runCommand(async () => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<ApiGlobals>();
      const env = loadEnv();
      const token = globals.token ?? process.env.ADMIN_TOKEN ?? env.ADMIN_TOKENS?.[0]?.token;
      if (token === undefined) {
        throw new AppError(
          'CONFIG_INVALID',
          'No admin token: set ADMIN_TOKEN (or ADMIN_TOKENS) or pass --token',
        );
      }
      const baseUrl = globals.url ?? process.env.ADMIN_URL ?? `http://${env.ADMIN_HOST}:${env.ADMIN_PORT}`;
      try {
        const answer = await call(new AdminClient({ baseUrl, token }), ...args);
        process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        return EXIT.ok;
      } catch (err) {
        if (!(err instanceof AdminClientError)) throw err;
        process.stderr.write(`pipeline-health: ${err.code}: ${err.message}\n`);
        return EXIT.failure;
      }
    });
}

/** Run ids are `<tenantId>.<stamp>.<random>` (cycle-launcher.ts). */
function tenantOfRun(runId: string): string {
  return runId.split('.')[0] ?? runId;
}

/** Poll a run until it completes or fails; a failed run is printed and exits 1. */
async function followRun(client: AdminClient, tenantId: string, runId: string): Promise<unknown> {
  for (;;) {
    const run = await client.run(tenantId, runId).catch((err: unknown) => {
      // Queued and not yet started: the run has no record for a moment.
      if (err instanceof AdminClientError && err.code === 'RUN_NOT_FOUND') return null;
      throw err;
    });
    if (run !== null && (run.status === 'completed' || run.status === 'failed')) {
      if (run.status === 'failed') {
        process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
        throw new AdminClientError(200, 'RUN_FAILED', `run ${runId} failed`, run);
      }
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The tenants of a YAML/JSON file: a tenants file (`tenants: [...]`) or one tenant object. */
async function readTenantBodies(path: string): Promise<unknown[]> {
  const content = parseYaml(await readFile(path, 'utf8')) as unknown;
  if (
    content !== null &&
    typeof content === 'object' &&
    Array.isArray((content as { tenants?: unknown }).tenants)
  ) {
    return (content as { tenants: unknown[] }).tenants;
  }
  return [content];
}

/**
 * `pipeline-health api ...`: the admin operations from the command line, against a running admin
 * server (`--url` or $ADMIN_URL, default http://$ADMIN_HOST:$ADMIN_PORT; token from $ADMIN_TOKEN or
 * the first of $ADMIN_TOKENS; `--token` works but shows in the process list).
 */
export function registerAdminApi(program: Command): void {
  const api = program
    .command('api')
    .description('call a running admin server: tenants, schedules, run now, status, explain, model report')
    .option('--url <url>', 'admin server URL; default $ADMIN_URL or http://$ADMIN_HOST:$ADMIN_PORT')
    .option('--token <token>', 'bearer token; default $ADMIN_TOKEN or the first of $ADMIN_TOKENS');
  api
    .command('tenants')
    .description('list tenants')
    .action(apiAction((c) => c.listTenants()));
  api
    .command('tenant <id>')
    .description('show one tenant')
    .action(apiAction((c, id: string) => c.getTenant(id)));
  api
    .command('create-tenant <file>')
    .description('create the tenant(s) of a YAML/JSON file (one tenant, or a tenants file)')
    .action(
      apiAction(async (c, file: string) => {
        const created = [];
        for (const body of await readTenantBodies(file)) created.push(await c.createTenant(body));
        return created;
      }),
    );
  api
    .command('delete-tenant <id>')
    .description('delete a tenant and its schedules')
    .option('--purge', 'also delete its state in Redis')
    .action(apiAction((c, id: string, opts: { purge?: boolean }) => c.deleteTenant(id, opts.purge ?? false)));
  api
    .command('schedule <id>')
    .description('show the schedule, or replace it when --nightly, --timezone and --every are given')
    .option('--nightly <cron>', 'nightly cron, in the tenant time zone')
    .option('--timezone <tz>', 'IANA time zone')
    .option('--every <minutes>', 'incremental sync interval in minutes (0: off)')
    .action(
      apiAction((c, id: string, opts: { nightly?: string; timezone?: string; every?: string }) => {
        if (opts.nightly === undefined && opts.timezone === undefined && opts.every === undefined) {
          return c.getSchedule(id);
        }
        // Missing or bad values are reported by the server, field by field.
        return c.setSchedule(id, {
          nightly: opts.nightly as string,
          timezone: opts.timezone as string,
          incrementalEveryMinutes: opts.every === undefined ? (undefined as never) : Number(opts.every),
        });
      }),
    );
  api
    .command('run <id>')
    .description('start a cycle now (202 with its run id, or the running run)')
    .option('--full', 'ignore the sync cursor')
    .option('--wait', 'follow the run to its end and print its summary (exit 1 when it failed)')
    .option('--idempotency-key <key>', 'send the same key on a retry to get the same run back')
    .action(
      apiAction(async (c, id: string, opts: { full?: boolean; wait?: boolean; idempotencyKey?: string }) => {
        // A random key by default: if this request is retried, it cannot start a second run.
        const started = await c.runNow(id, opts.full ?? false, opts.idempotencyKey ?? randomUUID());
        return opts.wait ? followRun(c, id, started.runId) : started;
      }),
    );
  api
    .command('run-status <runId>')
    .description('one run: its steps so far, or its summary when finished (the tenant is the run id prefix)')
    .action(apiAction((c, runId: string) => c.run(tenantOfRun(runId), runId)));
  api
    .command('status <id>')
    .description('last runs, API usage, quarantine')
    .action(apiAction((c, id: string) => c.status(id)));
  api
    .command('explain <id> <dealId>')
    .description("every indicator of a deal's score with its evidence")
    .action(apiAction((c, id: string, dealId: string) => c.explain(id, dealId)));
  api
    .command('model-report <id>')
    .description('model quality report of the last training')
    .action(apiAction((c, id: string) => c.modelReport(id)));
  api
    .command('train <id>')
    .description('queue a model training now')
    .action(apiAction((c, id: string) => c.train(id)));
  api
    .command('pause <id>')
    .description('pause a tenant: its schedules are removed and run-now is refused')
    .action(apiAction((c, id: string) => c.setPaused(id, true)));
  api
    .command('resume <id>')
    .description('resume a paused tenant')
    .action(apiAction((c, id: string) => c.setPaused(id, false)));
  api
    .command('audit')
    .description('the audit log: every change with token name, action, target, time and client address')
    .option('--limit <n>', 'newest entries to show (1-1000)', '100')
    .action(apiAction((c, opts: { limit: string }) => c.audit(Number(opts.limit))));
  api
    .command('report-link <id>')
    .description("a short-lived link to a tenant's report page (no admin token in it)")
    .option('--minutes <n>', 'how long the link works; default 60')
    .action(
      apiAction((c, id: string, opts: { minutes?: string }) =>
        c.reportLink(id, opts.minutes === undefined ? undefined : Number(opts.minutes)),
      ),
    );
}
