import type { RedisClient } from './redis-client.ts';
import type { HealthResult } from '../domain/index.ts';
import { execChecked } from './exec-checked.ts';
import { GuardedWrite, untilApplied } from './guarded-write.ts';
import { chunked, READ_CHUNK } from './redis-chunks.ts';
import { ResultCodec } from './result-codec.ts';
import { appendScore, decodeHistory, encodeHistory, scoreAsOf } from './score-history.ts';
import type { TenantKeys } from './tenant-keys.ts';

/**
 * Health results (compact, src/store/result-codec.ts) and each deal's score history (thinned by
 * age, src/store/score-history.ts). A
 * scored chunk's results, histories and alert candidates are one guarded write: appending to a
 * history reads it first, and another score step may append to it meanwhile.
 */
export class ResultsStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;
  readonly #resultCodec: ResultCodec;

  constructor(redis: RedisClient, keys: TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
    this.#resultCodec = new ResultCodec(redis, keys.resultLegend);
  }

  /** Save the latest results and append each score to its deal's bounded history. */
  async saveResults(results: HealthResult[]): Promise<void> {
    for (let i = 0; i < results.length; i += READ_CHUNK) {
      await this.#saveScored(results.slice(i, i + READ_CHUNK), undefined, () => {});
    }
  }

  /**
   * One chunk of a run's scoring (at most a few thousand deals): the results, each score appended
   * to its history, and the alert candidates they raised, in one script. A rerun after a
   * crash finds these deals already scored as of the run (their candidates already kept) and
   * gathers all of the run's candidates with `alerts.runCandidates` (src/store/alerts.store.ts).
   */
  async saveScoredChunk(
    results: HealthResult[],
    runId: string,
    candidates: unknown[],
    priorScores?: ReadonlyMap<string, number>,
  ): Promise<void> {
    const key = this.#keys.runCandidates(runId);
    await this.#saveScored(results, priorScores, (w) => {
      if (candidates.length > 0)
        w.call(
          'rpush',
          key,
          candidates.map((c) => JSON.stringify(c)),
        );
      w.call('pexpire', key, [7 * 86_400_000]);
    });
  }

  /**
   * Results and their histories, plus what `more` adds, in one guarded write: the histories read
   * must be unchanged (another score step appending to them meanwhile), else read again.
   */
  async #saveScored(
    results: HealthResult[],
    priorScores: ReadonlyMap<string, number> | undefined,
    more: (w: GuardedWrite) => void,
  ): Promise<void> {
    if (results.length === 0) return;
    const k = this.#keys;
    const ids = results.map((r) => r.dealId);
    const encoded = await this.#resultCodec.encode(results);
    await untilApplied('score histories', async () => {
      const histories = await this.#redis.hmget(k.history, ...ids);
      const w = new GuardedWrite();
      w.hset(
        k.results,
        results.map((r, j) => [r.dealId, encoded[j]!]),
      );
      w.hset(
        k.history,
        results.map((r, j) => {
          w.expect(k.history, r.dealId, histories[j] ?? null);
          // Thinned by age (src/store/score-history.ts); the prior score kept beside a fitted model's.
          const entry = {
            at: Date.parse(r.asOf),
            score: r.score,
            priorScore: priorScores?.get(r.dealId) ?? r.score,
          };
          return [r.dealId, encodeHistory(appendScore(decodeHistory(histories[j] ?? null), entry))];
        }),
      );
      more(w);
      return w.apply(this.#redis);
    });
  }

  async getResult(dealId: string): Promise<HealthResult | null> {
    const raw = await this.#redis.hget(this.#keys.results, dealId);
    return raw === null ? null : ((await this.#resultCodec.decode([[dealId, raw]]))[0] ?? null);
  }

  async getResults(dealIds: string[]): Promise<Map<string, HealthResult>> {
    const out = new Map<string, HealthResult>();
    for (const chunk of chunked(dealIds, READ_CHUNK)) {
      const values = await this.#redis.hmget(this.#keys.results, ...chunk);
      const stored = chunk.flatMap((id, i) => (values[i] === null ? [] : [[id, values[i]!] as const]));
      for (const r of await this.#resultCodec.decode(stored)) out.set(r.dealId, r);
    }
    return out;
  }

  async *iterateResults(): AsyncGenerator<HealthResult[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(this.#keys.results, cursor, 'COUNT', READ_CHUNK);
      cursor = next;
      const stored: [string, string][] = [];
      for (let i = 1; i < flat.length; i += 2) stored.push([flat[i - 1]!, flat[i]!]);
      if (stored.length > 0) yield await this.#resultCodec.decode(stored);
    } while (cursor !== '0');
  }

  /**
   * Each deal's score from about a week before `asOf` (the latest at least 6.5 days older), for
   * the trend; deals without one are absent.
   */
  async previousScores(dealIds: string[], asOf: number): Promise<Map<string, { score: number }>> {
    const out = new Map<string, { score: number }>();
    const cutoff = asOf - 6.5 * 86_400_000;
    for (let i = 0; i < dealIds.length; i += READ_CHUNK) {
      const slice = dealIds.slice(i, i + READ_CHUNK);
      const values = await this.#redis.hmget(this.#keys.history, ...slice);
      values.forEach((v, j) => {
        const found = scoreAsOf(decodeHistory(v), cutoff);
        if (found !== null) out.set(slice[j]!, { score: found.score });
      });
    }
    return out;
  }

  /**
   * Drop results (and pending intents) of deals that are no longer open or no longer exist.
   * Returns how many results there were to drop.
   */
  async removeResults(dealIds: string[]): Promise<number> {
    let removed = 0;
    for (const chunk of chunked(dealIds)) {
      const replies = await execChecked(
        this.#redis
          .multi()
          .hdel(this.#keys.results, ...chunk)
          .hdel(this.#keys.writeIntents, ...chunk),
      );
      removed += Number(replies[0] ?? 0);
    }
    return removed;
  }

  /** Which of these deals have a stored result (one HMGET per chunk, values not parsed). */
  async withResults(dealIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const chunk of chunked(dealIds)) {
      const flags = await this.#redis.hmget(this.#keys.results, ...chunk);
      flags.forEach((v, i) => {
        if (v !== null) out.push(chunk[i]!);
      });
    }
    return out;
  }
}
