import { z } from 'zod';
import { AppError } from '../shared/app-error.ts';
import { parseAdminTokens } from './admin-tokens.ts';
import { formatIssues } from './format-issues.ts';
import { parseClusterNatMap } from './redis-cluster-nat-map.ts';
import { parseClusterNodes } from './redis-cluster-nodes.ts';

const optionalNonEmpty = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * Environment variables, validated in one pass (STYLE.md #1): a bad environment is one error
 * naming every bad variable. Documented in README "Configuration".
 */
const EnvSchema = z
  .object({
    /** redis://host:port/db of the shared Redis. Unset: a private throwaway redis-server is started. */
    REDIS_URL: optionalNonEmpty.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
    /**
     * A Redis Cluster instead: comma-separated seed nodes, `host:port` or `redis[s]://[user:pass@]host:port`.
     * Exclusive with REDIS_URL.
     */
    REDIS_CLUSTER_NODES: optionalNonEmpty.pipe(
      z
        .string()
        .transform((s, ctx) => {
          try {
            return parseClusterNodes(s);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
            return z.NEVER;
          }
        })
        .optional(),
    ),
    /**
     * With REDIS_CLUSTER_NODES, when the nodes announce addresses this process cannot reach (NAT,
     * Docker port mapping, a TCP proxy): comma-separated `announcedHost:port=reachableHost:port`.
     */
    REDIS_CLUSTER_NAT_MAP: optionalNonEmpty.pipe(
      z
        .string()
        .transform((s, ctx) => {
          try {
            return parseClusterNatMap(s);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
            return z.NEVER;
          }
        })
        .optional(),
    ),
    /**
     * Replicas that must acknowledge (Redis WAIT) the write clearing each CRM effect batch before
     * it is sent, so a failover cannot lose the write intents of a batch already sent. 0: no wait.
     */
    REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
    /** How long a fence waits for those replicas, in ms; fewer: the batch is not sent (retried). */
    REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
    /** Path of the tenants file (YAML or JSON). Unset: no tenants (the demo uses its own). */
    TENANTS_FILE: optionalNonEmpty,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Key prefix for every Redis key and queue; hash-tagged per tenant inside it. */
    PH_PREFIX: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/, 'must be 1-32 lowercase letters, digits or dashes')
      .default('ph'),
    /** 32-byte key (64 hex characters or base64) that encrypts CRM credentials at rest. */
    PH_ENCRYPTION_KEY: optionalNonEmpty.pipe(
      z
        .string()
        .refine(
          (k) => /^[0-9a-fA-F]{64}$/.test(k) || Buffer.from(k, 'base64').length === 32,
          'must be 32 bytes as 64 hex characters or base64',
        )
        .optional(),
    ),
    /**
     * Earlier encryption keys, comma-separated, still accepted for decryption while
     * `pipeline-health keys rotate` re-encrypts every tenant under PH_ENCRYPTION_KEY.
     */
    PH_ENCRYPTION_KEY_PREVIOUS: optionalNonEmpty.pipe(
      z
        .string()
        .transform((s) =>
          s
            .split(',')
            .map((k) => k.trim())
            .filter((k) => k !== ''),
        )
        .pipe(
          z.array(
            z
              .string()
              .refine(
                (k) => /^[0-9a-fA-F]{64}$/.test(k) || Buffer.from(k, 'base64').length === 32,
                'each previous key must be 32 bytes as 64 hex characters or base64',
              ),
          ),
        )
        .optional(),
    ),
    /**
     * Comma-separated bearer tokens accepted by the admin API: bare tokens (admin) or
     * `NAME:SCOPE=TOKEN` (src/config/admin-tokens.ts); each at least 24 characters and not predictable.
     */
    ADMIN_TOKENS: optionalNonEmpty.pipe(
      z
        .string()
        .transform((s) =>
          s
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== ''),
        )
        .transform((entries, ctx) => {
          try {
            return parseAdminTokens(entries);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
            return z.NEVER;
          }
        })
        .optional(),
    ),
    /** Comma-separated addresses/CIDRs of a TLS proxy in front of the admin API (X-Forwarded-* trusted). */
    ADMIN_TRUST_PROXY: optionalNonEmpty.pipe(
      z
        .string()
        .transform((s) =>
          s
            .split(',')
            .map((p) => p.trim())
            .filter((p) => p !== ''),
        )
        .optional(),
    ),
    ADMIN_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    ADMIN_HOST: z.string().default('127.0.0.1'),
    /** Worker concurrency per queue in this process. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /**
     * How long a worker's lock on a job lasts without renewal, in ms; a crashed worker's job is taken
     * over by another after about this long (BullMQ lockDuration and stalledInterval).
     */
    WORKER_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
    /**
     * Deadline of every single CRM request in ms, on a new or a reused keep-alive connection (no
     * answer in time: the request is ended and retried with backoff).
     */
    CRM_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /**
     * Shift this process's clock by this many ms (fault tests and diagnosis of skewed hosts). Applies
     * to the composition root's clock: run timestamps, the scoring "as of" date, alert due dates and
     * the connectors' clocks (token expiry, quota resets). CRM sync windows never use it: they come
     * from the CRM's clock. BullMQ and Redis keep their own time.
     */
    PH_CLOCK_OFFSET_MS: z.coerce.number().int().default(0),
  })
  .superRefine((env, ctx) => {
    if (env.REDIS_URL !== undefined && env.REDIS_CLUSTER_NODES !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_CLUSTER_NODES'],
        message: 'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
      });
    }
    if (env.REDIS_CLUSTER_NAT_MAP !== undefined && env.REDIS_CLUSTER_NODES === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_CLUSTER_NAT_MAP'],
        message: 'maps the nodes of a Redis Cluster: set REDIS_CLUSTER_NODES too',
      });
    }
  })
  // The seeds carry the NAT map: every place that connects from REDIS_CLUSTER_NODES uses it.
  .transform(({ REDIS_CLUSTER_NAT_MAP, ...env }) =>
    REDIS_CLUSTER_NAT_MAP === undefined || env.REDIS_CLUSTER_NODES === undefined
      ? env
      : { ...env, REDIS_CLUSTER_NODES: { ...env.REDIS_CLUSTER_NODES, natMap: REDIS_CLUSTER_NAT_MAP } },
  );

export type Env = z.infer<typeof EnvSchema>;

/** Parse the environment; throws CONFIG_INVALID listing every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = EnvSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = formatIssues(result.error.issues);
  throw new AppError('CONFIG_INVALID', `Invalid environment:\n  ${lines.join('\n  ')}`, {
    details: { problems: lines },
  });
}
