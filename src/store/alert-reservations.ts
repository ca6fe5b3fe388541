import type { RedisClient } from './redis-client.ts';
import { execChecked } from './exec-checked.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** One open alert: the episode's key and its CRM task (null while the task is being created). */
export interface AlertReservation {
  episodeKey: string;
  taskId: string | null;
  /** The stored value, for effect fences that must see it unchanged. */
  raw: string;
}

/** Owners' "raised today" sets live a little longer than the day they count. */
const CAP_TTL_SECONDS = 3 * 86_400;

/** Decode a stored reservation; values written before episodes ("pending" or a task id) keep their key. */
function decodeReservation(key: string, raw: string): AlertReservation {
  if (raw.startsWith('{')) {
    const v = JSON.parse(raw) as { e: string; t?: string };
    return { episodeKey: v.e, taskId: v.t ?? null, raw };
  }
  return { episodeKey: key, taskId: raw === 'pending' ? null : raw, raw };
}

/**
 * Open alerts per alert key (tenant:deal:kind), each in one episode, and the per-owner daily cap.
 * An alert is reserved before its task is created (so a rerun or a second worker never raises it
 * twice), confirmed with its task id, and released when its condition clears: the next time the
 * condition holds is a new episode. The cap counts distinct episodes raised per owner and day,
 * not attempts.
 */
export class AlertReservations {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;

  constructor(redis: RedisClient, keys: TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async open(): Promise<Map<string, AlertReservation>> {
    const all = await this.#redis.hgetall(this.#keys.alertsOpen);
    return new Map(Object.entries(all).map(([key, raw]) => [key, decodeReservation(key, raw)]));
  }

  /** Start an episode; null when the alert is already open (another attempt or worker has it). */
  async reserve(key: string, episodeKey: string): Promise<AlertReservation | null> {
    const raw = JSON.stringify({ e: episodeKey });
    const ok = await this.#redis.hsetnx(this.#keys.alertsOpen, key, raw);
    return ok === 1 ? { episodeKey, taskId: null, raw } : null;
  }

  async confirm(key: string, episodeKey: string, taskId: string): Promise<void> {
    await this.#redis.hset(this.#keys.alertsOpen, key, JSON.stringify({ e: episodeKey, t: taskId }));
  }

  /** End the episode (condition cleared, or its task can never be created). */
  async release(key: string): Promise<void> {
    await this.#redis.hdel(this.#keys.alertsOpen, key);
  }

  /** Alerts raised for an owner on a day (tenant-local calendar day). */
  async raisedOn(day: string, ownerId: string): Promise<number> {
    return this.#redis.scard(this.#capKey(day, ownerId));
  }

  /** Count a raised episode against its owner's day; counting the same episode again changes nothing. */
  async countRaised(day: string, ownerId: string, episodeKey: string): Promise<void> {
    const key = this.#capKey(day, ownerId);
    await execChecked(this.#redis.multi().sadd(key, episodeKey).expire(key, CAP_TTL_SECONDS));
  }

  #capKey(day: string, ownerId: string): string {
    return `${this.#keys.alertCap(day)}:${ownerId}`;
  }
}
