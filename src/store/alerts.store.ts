import type { RedisClient } from './redis-client.ts';
import { execChecked } from './exec-checked.ts';
import { GuardedWrite } from './guarded-write.ts';
import { luaScript } from './lua-script.ts';
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

/** An owner's daily cap: at most `limit` alert episodes raised on `day` (tenant-local calendar day). */
export interface DailyCap {
  day: string;
  ownerId: string;
  limit: number;
}

/**
 * KEYS: open alerts, the owner's raised set for the day (with a cap). ARGV: alert key, reservation,
 * and with a cap: episode key, limit, the set's TTL (s). 0: already open, -1: capped, 1: reserved.
 */
const RESERVE = `
if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then return 0 end
if KEYS[2] then
  if redis.call('sismember', KEYS[2], ARGV[3]) == 0 and redis.call('scard', KEYS[2]) >= tonumber(ARGV[4]) then
    return -1
  end
  redis.call('sadd', KEYS[2], ARGV[3])
  redis.call('expire', KEYS[2], ARGV[5])
end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Decode a stored reservation; values written before episodes ("pending" or a task id) keep their key. */
function decodeReservation(key: string, raw: string): AlertReservation {
  if (raw.startsWith('{')) {
    const v = JSON.parse(raw) as { e: string; t?: string };
    return { episodeKey: v.e, taskId: v.t ?? null, raw };
  }
  return { episodeKey: key, taskId: raw === 'pending' ? null : raw, raw };
}

/**
 * Keep a run's alert candidates for its alert step: its candidate list becomes the kept list, headed
 * by the run id, without passing through the worker (a large tenant's candidates are hundreds of MB
 * as objects). A rerun of the same run's score step keeps what the first attempt kept.
 * KEYS: the run's candidate list, the kept list. ARGV: run id, TTL (ms). Returns the kept count.
 */
const KEEP_RUN_CANDIDATES = `
if redis.call('lindex', KEYS[2], 0) ~= ARGV[1] then
  redis.call('del', KEYS[2])
  if redis.call('exists', KEYS[1]) == 1 then redis.call('rename', KEYS[1], KEYS[2]) end
  redis.call('lpush', KEYS[2], ARGV[1])
  redis.call('pexpire', KEYS[2], ARGV[2])
end
redis.call('del', KEYS[1])
return redis.call('llen', KEYS[2]) - 1`;

/** Kept candidates outlive a run that never reaches its finalize step by this long. */
const KEPT_CANDIDATES_TTL_MS = 7 * 86_400_000;

/** Candidates read per round trip. */
const CANDIDATE_BATCH = 5_000;

/**
 * Open alerts per alert key (tenant:deal:kind), each in one episode, and the per-owner daily cap.
 * An alert is reserved before its task is created (so a rerun or a second worker never raises it
 * twice), confirmed with its task id, and released when its condition clears: the next time the
 * condition holds is a new episode. The cap counts distinct episodes raised per owner and day,
 * not attempts: counted when reserved (given back when the task is never created) and again,
 * changing nothing, when confirmed. Confirming and releasing are compare-and-set on the reservation the caller read
 * (another run or a sync may have changed it meanwhile). Also the alert candidates a run's score
 * step keeps for its alert step (written with the results, src/store/results.store.ts).
 */
export class AlertsStore {
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

  /**
   * Start an episode: 'open' when the alert is already open (another attempt or worker has it),
   * 'capped' when its owner already has `cap.limit` episodes on `cap.day`. The cap is checked and
   * the episode counted in the same script as the reservation, so two alert steps of one tenant at
   * once cannot both take the owner's last place.
   */
  async reserve(
    key: string,
    episodeKey: string,
    cap?: DailyCap,
  ): Promise<AlertReservation | 'open' | 'capped'> {
    const raw = JSON.stringify({ e: episodeKey });
    const run = luaScript<number>(this.#redis, 'phReserveAlert', RESERVE);
    const outcome = cap
      ? await run(
          [this.#keys.alertsOpen, this.#capKey(cap.day, cap.ownerId)],
          [key, raw, episodeKey, cap.limit, CAP_TTL_SECONDS],
        )
      : await run([this.#keys.alertsOpen], [key, raw]);
    if (outcome === 0) return 'open';
    if (outcome === -1) return 'capped';
    return { episodeKey, taskId: null, raw };
  }

  /**
   * Record the task of a reservation, only if the alert still holds that reservation: a deal
   * deleted or reconciled away meanwhile closed it, and a newer run may have ended it; confirming
   * anyway would reopen an alert of a deal that is gone. Returns whether it was confirmed.
   */
  async confirm(key: string, reservation: AlertReservation, taskId: string): Promise<boolean> {
    const w = new GuardedWrite();
    w.expect(this.#keys.alertsOpen, key, reservation.raw);
    w.hset(this.#keys.alertsOpen, [[key, JSON.stringify({ e: reservation.episodeKey, t: taskId })]]);
    return (await w.apply(this.#redis)) !== null;
  }

  /**
   * End the episode (condition cleared, or its task can never be created), only if the alert still
   * holds the reservation read (`raw`): another run may have ended it and started a newer one. With
   * `cap` (no task was created) the episode no longer counts against its owner's day.
   */
  async release(key: string, raw: string, cap?: Omit<DailyCap, 'limit'>): Promise<boolean> {
    const w = new GuardedWrite();
    w.expect(this.#keys.alertsOpen, key, raw);
    w.hdel(this.#keys.alertsOpen, [key]);
    if (cap) w.call('srem', this.#capKey(cap.day, cap.ownerId), [decodeReservation(key, raw).episodeKey]);
    return (await w.apply(this.#redis)) !== null;
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

  /** Open alerts: key -> task id, or "pending" while the task is being created. */
  async openAlerts(): Promise<Map<string, string>> {
    const open = await this.open();
    return new Map([...open].map(([key, r]) => [key, r.taskId ?? 'pending']));
  }

  /**
   * At the end of a run's score step: its candidates (pushed chunk by chunk with the results, see
   * saveScoredChunk) become the ones its alert step reads. Returns how many are kept.
   */
  async keepRunCandidates(runId: string): Promise<number> {
    const keep = luaScript<number>(this.#redis, 'phKeepRunCandidates', KEEP_RUN_CANDIDATES);
    return keep(
      [this.#keys.runCandidates(runId), this.#keys.alertCandidateList],
      [runId, KEPT_CANDIDATES_TTL_MS],
    );
  }

  /** How many candidates are kept for `runId`; null when none were kept for that run. */
  async keptCandidateCount(runId: string): Promise<number | null> {
    const key = this.#keys.alertCandidateList;
    const [head, length] = (await execChecked(this.#redis.multi().lindex(key, 0).llen(key))) as [
      string | null,
      number,
    ];
    return head === runId ? length - 1 : null;
  }

  /**
   * The kept candidates, a batch per round trip (a large tenant's are never all in memory). The
   * tenant's cycle lock keeps another run's score step from replacing them meanwhile.
   */
  async *keptCandidateBatches<T>(): AsyncGenerator<T[]> {
    const key = this.#keys.alertCandidateList;
    for (let start = 1; ; start += CANDIDATE_BATCH) {
      const raw = await this.#redis.lrange(key, start, start + CANDIDATE_BATCH - 1);
      if (raw.length > 0) yield raw.map((r) => JSON.parse(r) as T);
      if (raw.length < CANDIDATE_BATCH) return;
    }
  }

  /** The candidates kept for `runId`, all at once; null when none were kept for that run. */
  async keptCandidates<T>(runId: string): Promise<T[] | null> {
    if ((await this.keptCandidateCount(runId)) === null) return null;
    const out: T[] = [];
    for await (const batch of this.keptCandidateBatches<T>()) out.push(...batch);
    return out;
  }

  #capKey(day: string, ownerId: string): string {
    return `${this.#keys.alertCap(day)}:${ownerId}`;
  }
}
