import type { RedisClient } from './redis-client.ts';
import { z } from 'zod';
import { type Tenant, TenantSchema } from '../domain/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { CredentialCipher } from './credential-cipher.ts';

/** The stored form: the tenant with its `connection.auth` replaced by an encrypted blob. */
const StoredTenantSchema = z.object({
  tenant: z.record(z.string(), z.unknown()),
  authType: z.string(),
  credentials: z.string(),
  /** The alert webhook URL, encrypted like the credentials (it can carry a token). */
  webhookUrl: z.string().optional(),
  /** The digest webhook URL (a Slack webhook URL is itself a credential), encrypted the same way. */
  digestWebhookUrl: z.string().optional(),
  updatedAt: z.string(),
});
type StoredTenant = z.infer<typeof StoredTenantSchema>;

export const MISSING_KEY_MESSAGE =
  'PH_ENCRYPTION_KEY is not set: refusing to store CRM credentials unencrypted (set a 32-byte key, 64 hex characters or base64)';

/**
 * Tenants created through the admin API, kept in one Redis hash. CRM credentials are encrypted
 * with AES-256-GCM (the tenant id is the associated data) and only decrypted when read back for
 * the runtime; without a cipher nothing is stored or read.
 */
export class TenantRegistryStore {
  readonly key: string;
  readonly #redis: RedisClient;
  readonly #cipher: CredentialCipher | null;

  constructor(options: { redis: RedisClient; prefix: string; cipher: CredentialCipher | null }) {
    this.#redis = options.redis;
    this.key = `${options.prefix}:admin:tenants`;
    this.#cipher = options.cipher;
  }

  /** False when no encryption key is configured (the API then refuses to store tenants). */
  get canStoreCredentials(): boolean {
    return this.#cipher !== null;
  }

  async put(tenant: Tenant): Promise<void> {
    const cipher = this.#requireCipher();
    const { auth, ...connection } = tenant.connection;
    const { webhookUrl, ...alerts } = tenant.alerts;
    const digestUrl = tenant.digest?.webhookUrl;
    const { webhookUrl: _encrypted, ...digest } = tenant.digest ?? {};
    const record: StoredTenant = {
      tenant: { ...tenant, connection, alerts, ...(tenant.digest === undefined ? {} : { digest }) },
      authType: auth.type,
      credentials: cipher.encrypt(JSON.stringify(auth), tenant.id),
      ...(webhookUrl === undefined
        ? {}
        : { webhookUrl: cipher.encrypt(webhookUrl, `${tenant.id}:webhookUrl`) }),
      ...(digestUrl === undefined
        ? {}
        : { digestWebhookUrl: cipher.encrypt(digestUrl, `${tenant.id}:digestWebhookUrl`) }),
      updatedAt: new Date().toISOString(),
    };
    await this.#redis.hset(this.key, tenant.id, JSON.stringify(record));
  }

  async get(id: string): Promise<Tenant | null> {
    const raw = await this.#redis.hget(this.key, id);
    return raw === null ? null : this.#decode(id, raw);
  }

  /** The readable tenants; a tenant that cannot be decrypted (key rotation) is skipped, see listReport. */
  async list(): Promise<Tenant[]> {
    return (await this.listReport()).tenants;
  }

  /**
   * Every stored tenant that decrypts and validates, and the ids of those that do not (a new
   * PH_ENCRYPTION_KEY without the old one in PH_ENCRYPTION_KEY_PREVIOUS), so one unreadable
   * tenant is flagged and skipped instead of failing the whole list.
   */
  async listReport(): Promise<{ tenants: Tenant[]; unreadable: { id: string; reason: string }[] }> {
    const all = await this.#redis.hgetall(this.key);
    const tenants: Tenant[] = [];
    const unreadable: { id: string; reason: string }[] = [];
    for (const [id, raw] of Object.entries(all)) {
      try {
        tenants.push(this.#decode(id, raw));
      } catch (err) {
        unreadable.push({ id, reason: (err as Error).message });
      }
    }
    tenants.sort((a, b) => a.id.localeCompare(b.id));
    unreadable.sort((a, b) => a.id.localeCompare(b.id));
    return { tenants, unreadable };
  }

  /**
   * Re-encrypt every stored tenant under the current key (each readable with the current or a
   * previous key). Tenants that decrypt under no key are left as they are and reported.
   */
  async rotate(): Promise<{
    rotated: string[];
    current: string[];
    unreadable: { id: string; reason: string }[];
  }> {
    const cipher = this.#requireCipher();
    const all = await this.#redis.hgetall(this.key);
    const rotated: string[] = [];
    const current: string[] = [];
    const { unreadable } = await this.listReport();
    const bad = new Set(unreadable.map((u) => u.id));
    for (const [id, raw] of Object.entries(all)) {
      if (bad.has(id)) continue;
      const record = StoredTenantSchema.parse(JSON.parse(raw));
      const upToDate =
        cipher.isCurrent(record.credentials, id) &&
        (record.webhookUrl === undefined || cipher.isCurrent(record.webhookUrl, `${id}:webhookUrl`)) &&
        (record.digestWebhookUrl === undefined ||
          cipher.isCurrent(record.digestWebhookUrl, `${id}:digestWebhookUrl`));
      if (upToDate) {
        current.push(id);
        continue;
      }
      await this.put(this.#decode(id, raw));
      rotated.push(id);
    }
    return { rotated: rotated.sort(), current: current.sort(), unreadable };
  }

  async has(id: string): Promise<boolean> {
    return (await this.#redis.hexists(this.key, id)) === 1;
  }

  /** True when the tenant existed. */
  async delete(id: string): Promise<boolean> {
    return (await this.#redis.hdel(this.key, id)) === 1;
  }

  /** Ids of paused tenants (file or API): no schedules run for them and run-now is refused. */
  async pausedIds(): Promise<Set<string>> {
    return new Set(await this.#redis.smembers(`${this.key}:paused`));
  }

  async setPaused(id: string, paused: boolean): Promise<void> {
    if (paused) await this.#redis.sadd(`${this.key}:paused`, id);
    else await this.#redis.srem(`${this.key}:paused`, id);
  }

  /** The raw stored value (tests check that no credential is readable in it). */
  async rawRecord(id: string): Promise<string | null> {
    return this.#redis.hget(this.key, id);
  }

  #decode(id: string, raw: string): Tenant {
    const cipher = this.#requireCipher();
    const record = StoredTenantSchema.parse(JSON.parse(raw));
    const auth = JSON.parse(cipher.decrypt(record.credentials, id)) as unknown;
    const connection = { ...(record.tenant.connection as Record<string, unknown>), auth };
    // Records written before the URL was encrypted keep it in `tenant.alerts` (still read).
    const alerts = { ...(record.tenant.alerts as Record<string, unknown> | undefined) };
    if (record.webhookUrl !== undefined) {
      alerts.webhookUrl = cipher.decrypt(record.webhookUrl, `${id}:webhookUrl`);
    }
    const digest =
      record.tenant.digest === undefined
        ? {}
        : {
            digest: {
              ...(record.tenant.digest as Record<string, unknown>),
              ...(record.digestWebhookUrl === undefined
                ? {}
                : { webhookUrl: cipher.decrypt(record.digestWebhookUrl, `${id}:digestWebhookUrl`) }),
            },
          };
    const parsed = TenantSchema.safeParse({ ...record.tenant, connection, alerts, ...digest });
    if (!parsed.success || parsed.data.id !== id) {
      throw new AppError('CONFIG_INVALID', `stored tenant "${id}" is not valid`, {
        details: { tenantId: id },
      });
    }
    return parsed.data;
  }

  #requireCipher(): CredentialCipher {
    if (this.#cipher === null) throw new AppError('CONFIG_INVALID', MISSING_KEY_MESSAGE);
    return this.#cipher;
  }
}
