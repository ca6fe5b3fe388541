import type { Tenant } from '../domain/index.ts';
import { isAppError } from '../shared/app-error.ts';
import { MISSING_KEY_MESSAGE, type TenantRegistryStore } from '../store/tenant-registry.store.ts';
import { AdminHttpError } from './admin-error.ts';

export type TenantSource = 'file' | 'api';

export interface CatalogEntry {
  tenant: Tenant;
  source: TenantSource;
}

/**
 * The merged tenant list: tenants-file tenants (read-only) plus API tenants from the registry.
 * Every change is applied to the runtime with the whole merged list, one change at a time.
 */
export class TenantCatalog {
  readonly #fileTenants: () => readonly Tenant[];
  readonly #registry: TenantRegistryStore;
  readonly #apply: (tenants: readonly Tenant[]) => Promise<void>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: {
    fileTenants: () => readonly Tenant[];
    registry: TenantRegistryStore;
    apply: (tenants: readonly Tenant[]) => Promise<void>;
  }) {
    this.#fileTenants = options.fileTenants;
    this.#registry = options.registry;
    this.#apply = options.apply;
  }

  /** Stored tenants that cannot be decrypted (flagged by GET /tenants, skipped everywhere else). */
  async unreadable(): Promise<{ id: string; reason: string }[]> {
    return this.#registry.canStoreCredentials ? (await this.#registry.listReport()).unreadable : [];
  }

  async list(): Promise<CatalogEntry[]> {
    const file = this.#fileTenants().map((tenant) => ({ tenant, source: 'file' as const }));
    const fileIds = new Set(file.map((e) => e.tenant.id));
    const stored = this.#registry.canStoreCredentials ? await this.#registry.list() : [];
    const api = stored
      .filter((t) => !fileIds.has(t.id))
      .map((tenant) => ({ tenant, source: 'api' as const }));
    return [...file, ...api].sort((a, b) => a.tenant.id.localeCompare(b.tenant.id));
  }

  async find(id: string): Promise<CatalogEntry | null> {
    const file = this.#fileTenants().find((t) => t.id === id);
    if (file) return { tenant: file, source: 'file' };
    if (!this.#registry.canStoreCredentials) return null;
    let stored: Tenant | null;
    try {
      stored = await this.#registry.get(id);
    } catch (err) {
      if (!isAppError(err) || err.code !== 'CONFIG_INVALID') throw err;
      throw new AdminHttpError(
        'TENANT_UNREADABLE',
        `Tenant "${id}" cannot be decrypted (PH_ENCRYPTION_KEY changed?): set PH_ENCRYPTION_KEY_PREVIOUS and run \`pipeline-health keys rotate\`, or delete it`,
      );
    }
    return stored ? { tenant: stored, source: 'api' } : null;
  }

  /** The tenant or 404 TENANT_NOT_FOUND. */
  async require(id: string): Promise<CatalogEntry> {
    const entry = await this.find(id);
    if (!entry) throw new AdminHttpError('TENANT_NOT_FOUND', `No tenant "${id}"`);
    return entry;
  }

  /** An API tenant, or 404 / 409 TENANT_READ_ONLY for a tenants-file tenant. */
  async requireWritable(id: string): Promise<Tenant> {
    const entry = await this.require(id);
    if (entry.source === 'file') {
      throw new AdminHttpError(
        'TENANT_READ_ONLY',
        `Tenant "${id}" comes from the tenants file; change it there (and reload the worker)`,
      );
    }
    return entry.tenant;
  }

  async create(tenant: Tenant): Promise<void> {
    await this.#serial(async () => {
      this.#requireKey();
      if (await this.find(tenant.id)) {
        throw new AdminHttpError('TENANT_EXISTS', `Tenant "${tenant.id}" already exists`);
      }
      await this.#registry.put(tenant);
      await this.#applyAll();
    });
  }

  async update(tenant: Tenant): Promise<void> {
    await this.#serial(async () => {
      this.#requireKey();
      await this.requireWritable(tenant.id);
      await this.#registry.put(tenant);
      await this.#applyAll();
    });
  }

  async remove(id: string): Promise<void> {
    await this.#serial(async () => {
      try {
        await this.requireWritable(id);
      } catch (err) {
        // An unreadable tenant can still be deleted (and recreated with its credentials).
        if (!(err instanceof AdminHttpError && err.code === 'TENANT_UNREADABLE')) throw err;
      }
      await this.#registry.delete(id);
      await this.#registry.setPaused(id, false);
      await this.#applyAll();
    });
  }

  #requireKey(): void {
    if (!this.#registry.canStoreCredentials) {
      throw new AdminHttpError('ENCRYPTION_KEY_MISSING', MISSING_KEY_MESSAGE);
    }
  }

  async #applyAll(): Promise<void> {
    const paused = await this.#registry.pausedIds();
    await this.#apply((await this.list()).map((e) => e.tenant).filter((t) => !paused.has(t.id)));
  }

  async isPaused(id: string): Promise<boolean> {
    return (await this.#registry.pausedIds()).has(id);
  }

  /** Pause or resume a tenant (file or API): its schedules go, or come back. */
  async setPaused(id: string, paused: boolean): Promise<void> {
    await this.#serial(async () => {
      await this.require(id);
      await this.#registry.setPaused(id, paused);
      await this.#applyAll();
    });
  }

  /** Run mutations one after another, so two concurrent changes never apply a stale list. */
  #serial<T>(body: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(body, body);
    this.#queue = next.catch(() => undefined);
    return next.catch((err: unknown) => {
      if (isAppError(err) && err.code === 'CONFIG_INVALID' && err.message === MISSING_KEY_MESSAGE) {
        throw new AdminHttpError('ENCRYPTION_KEY_MISSING', MISSING_KEY_MESSAGE);
      }
      throw err;
    });
  }
}
