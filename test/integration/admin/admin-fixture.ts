import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import type { AdminDeps } from '../../../src/admin/admin-deps.ts';
import { buildAdminServer } from '../../../src/admin/admin-server.ts';
import type { Tenant } from '../../../src/domain/index.ts';
import { bullPrefix, QUEUES } from '../../../src/queue/queue-names.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { CredentialCipher } from '../../../src/store/credential-cipher.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { TenantRegistryStore } from '../../../src/store/tenant-registry.store.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import { AuditLogStore } from '../../../src/store/audit-log.store.ts';
import { IdempotencyStore } from '../../../src/store/idempotency.store.ts';
import { isRedisDown } from '../../../src/store/redis-status.ts';
import { RunCountersStore } from '../../../src/store/run-counters.store.ts';

export const TOKEN = 'admin-token-0123456789abcdefghij';
export const OTHER_TOKEN = 'admin-token-second-0123456789abc';
export const auth = { authorization: `Bearer ${TOKEN}` };

export interface AdminFixture {
  app: FastifyInstance;
  prefix: string;
  /** The fixture's Redis connection (its status shows an outage). */
  client: RedisClient;
  queues: Queue[];
  registry: TenantRegistryStore;
  store: (tenantId: string) => TenantStateStore;
  /** Every tenant list handed to the runtime, in order. */
  applied: Tenant[][];
  /** Everything the server logged. */
  logs: () => string;
  close: () => Promise<void>;
}

/**
 * The admin server over a real Redis with a fresh prefix. Runs and training are stand-ins that
 * take the tenant's real cycle lock (as the CycleLauncher does), so 202/409 behave as in production.
 */
export async function adminFixture(
  redis: RedisEndpoint,
  options: { fileTenants?: Tenant[]; withKey?: boolean; deps?: Partial<AdminDeps> } = {},
): Promise<AdminFixture> {
  const prefix = `a${randomUUID().slice(0, 8)}`;
  const client: RedisClient = redis.createClient();
  const registry = new TenantRegistryStore({
    redis: client,
    prefix,
    cipher: options.withKey === false ? null : new CredentialCipher(randomBytes(32).toString('hex')),
  });
  const stores = new Map<string, TenantStateStore>();
  const store = (id: string) => {
    let s = stores.get(id);
    if (!s) {
      s = new TenantStateStore(client, prefix, id);
      stores.set(id, s);
    }
    return s;
  };
  const applied: Tenant[][] = [];
  let logText = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      logText += chunk.toString();
      done();
    },
  });
  const queues = Object.values(QUEUES).map(
    (name) => new Queue(name, { connection: client, prefix: bullPrefix(prefix) }),
  );
  let runs = 0;
  const app = await buildAdminServer({
    tokens: [TOKEN, OTHER_TOKEN],
    logger: createLogger({ level: 'debug', destination }),
    fileTenants: () => options.fileTenants ?? [],
    registry,
    applyTenants: async (tenants) => {
      applied.push([...tenants]);
    },
    store,
    startRun: async ({ tenantId }) => {
      const runId = `${tenantId}.run${++runs}`;
      const lock = await store(tenantId).runs.acquireCycleLock(runId, 60_000);
      return lock.acquired ? { started: true, runId } : { started: false, runId: lock.holder };
    },
    startTraining: async (tenantId) => ({ jobId: `train-${tenantId}-1` }),
    ping: async () => (await client.ping()) === 'PONG',
    bodyLimit: 16 * 1024,
    queues,
    audit: new AuditLogStore(client, prefix),
    idempotency: new IdempotencyStore(client, prefix),
    runCounters: new RunCountersStore(client, prefix),
    redisReady: () => !isRedisDown(client),
    processMetrics: false,
    ...options.deps,
  });
  await app.ready();
  return {
    app,
    prefix,
    client,
    queues,
    registry,
    store,
    applied,
    logs: () => logText,
    close: async () => {
      await app.close();
      await Promise.all(queues.map((q) => q.close()));
      client.disconnect();
    },
  };
}

/** A valid HubSpot tenant body with a recognisable secret. */
export function hubspotBody(id: string, secret = `pat-${id}-s3cr3t-value`): Record<string, unknown> {
  return {
    id,
    name: `Tenant ${id}`,
    timezone: 'Europe/Brussels',
    connection: {
      crm: 'hubspot',
      basePath: 'http://127.0.0.1:9/hubspot',
      developmentTarget: true,
      auth: { type: 'private_app', accessToken: secret },
    },
  };
}

/**
 * A suite's Redis (one for the suite) and its admin servers: every fixture made through
 * `fixture()` is closed after its test.
 */
export function adminSuite(): {
  fixture: (options?: Parameters<typeof adminFixture>[1]) => Promise<AdminFixture>;
} {
  let redis: RedisEndpoint | undefined;
  const open: AdminFixture[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async () => {
    for (const f of open.splice(0)) await f.close();
  });
  return {
    fixture: async (options) => {
      if (!redis) throw new Error('adminSuite: fixture() called outside a test');
      const f = await adminFixture(redis, options);
      open.push(f);
      return f;
    },
  };
}
