import type { RedisClient } from './redis-client.ts';

/** One change made through the admin API (or a session opened / closed). */
export interface AuditEntry {
  at: string;
  /** Name of the token (or of the token behind a browser session). */
  token: string;
  /** `PATCH /tenants/:tenantId`, `session.open`, ... */
  action: string;
  /** The tenant the change was about, if any. */
  target: string | null;
  status: number;
  client: string;
}

/** Entries kept (newest first). */
const AUDIT_KEEP = 10_000;

/** The audit log in the Redis list `<prefix>:admin:audit`, newest first, capped at AUDIT_KEEP. */
export class AuditLogStore {
  readonly key: string;

  readonly #redis: RedisClient;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.key = `${prefix}:admin:audit`;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.#redis
      .multi()
      .lpush(this.key, JSON.stringify(entry))
      .ltrim(this.key, 0, AUDIT_KEEP - 1)
      .exec();
  }

  async list(limit = 100): Promise<AuditEntry[]> {
    return (await this.#redis.lrange(this.key, 0, limit - 1)).map((r) => JSON.parse(r) as AuditEntry);
  }
}
