import type { AuditEntry } from '../store/audit-log.store.ts';

/** Where the admin server records changes (AuditLogStore in Redis; in memory when none is given). */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(limit?: number): Promise<AuditEntry[]>;
}

/** An audit log kept in this process only (tests, or a server built without a Redis-backed log). */
export class MemoryAuditLog implements AuditLog {
  readonly #entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    this.#entries.unshift(entry);
    this.#entries.length = Math.min(this.#entries.length, 10_000);
  }

  async list(limit = 100): Promise<AuditEntry[]> {
    return this.#entries.slice(0, limit);
  }
}
