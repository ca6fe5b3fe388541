import type { RedisClient } from './redis-client.ts';
import { type HealthResult, type IndicatorResult, REP_ACTION_KEYS } from '../domain/index.ts';

/**
 * The stored form of a HealthResult: positional arrays instead of keyed objects, and each
 * indicator's key and label as a number from the tenant's legend, because results were the second
 * largest per-deal value in Redis (about 2.1 KB each, over half of it key names and the same
 * eleven keys and labels). Lossless: every field comes back as it was saved.
 *
 *   [1, asOf, score, band, winProbability, confidence, trend, modelVersion, indicators,
 *    contributions (null when absent), reasons, actions (absent when none)]
 *   indicator: [legend id of (key, label), value, subScore, confidence, evidence]
 *   reason: the index of the indicator whose evidence it is, or its text
 *   action: [index in REP_ACTION_KEYS, lift]
 *
 * The deal id is the hash field, not repeated in the value. Results stored before this (JSON
 * objects, starting with "{") are read as they are.
 */
type StoredIndicator = [number, number | null, number, number, string];
type StoredResult = [
  1,
  string,
  number,
  HealthResult['band'],
  number | null,
  number,
  HealthResult['trend'],
  string,
  StoredIndicator[],
  number[] | null,
  (number | string)[],
  ([number, number][] | undefined)?,
];
type Entry = [IndicatorResult['key'], string];

/** Legend ids are handed out once per (key, label) and never change (one script, any worker). */
const ASSIGN = `
local out = {}
for i, e in ipairs(ARGV) do
  local id = redis.call('hget', KEYS[1], e)
  if not id then
    id = redis.call('hincrby', KEYS[1], '#next', 1)
    redis.call('hset', KEYS[1], e, id)
  end
  out[i] = tonumber(id)
end
return out`;

/** A tenant's results codec with its legend of indicator keys and labels (cached; ids never change). */
export class ResultCodec {
  readonly #redis: RedisClient;
  readonly #legendKey: string;
  readonly #ids = new Map<string, number>();
  readonly #entries = new Map<number, Entry>();

  constructor(redis: RedisClient, legendKey: string) {
    this.#redis = redis;
    this.#legendKey = legendKey;
  }

  /** Encode results for storage (assigning legend ids to (key, label) pairs not seen before). */
  async encode(results: readonly HealthResult[]): Promise<string[]> {
    const whole = (r: HealthResult) => Array.isArray(r.indicators) && Array.isArray(r.reasons);
    const fresh = new Set<string>();
    for (const r of results) {
      if (!whole(r)) continue;
      for (const i of r.indicators) {
        const e = JSON.stringify([i.key, i.label]);
        if (!this.#ids.has(e)) fresh.add(e);
      }
    }
    if (fresh.size > 0) {
      const list = [...fresh];
      const ids = (await this.#redis.eval(ASSIGN, 1, this.#legendKey, ...list)) as number[];
      list.forEach((e, i) => {
        this.#remember(e, ids[i]!);
      });
    }
    return results.map((r) => {
      // Not a whole result (tests and tools store partial ones): kept as JSON.
      if (!whole(r)) return JSON.stringify(r);
      const evidence = r.indicators.map((i) => i.evidence);
      const stored: StoredResult = [
        1,
        r.asOf,
        r.score,
        r.band,
        r.winProbability,
        r.confidence,
        r.trend,
        r.modelVersion,
        r.indicators.map((i) => [
          this.#ids.get(JSON.stringify([i.key, i.label]))!,
          i.value,
          i.subScore,
          i.confidence,
          i.evidence,
        ]),
        r.contributions ?? null,
        r.reasons.map((text) => {
          const at = evidence.indexOf(text);
          return at < 0 ? text : at;
        }),
      ];
      if (r.actions && r.actions.length > 0) {
        stored.push(r.actions.map((a): [number, number] => [REP_ACTION_KEYS.indexOf(a.key), a.lift]));
      }
      return JSON.stringify(stored);
    });
  }

  /** Decode stored values (deal id, value); the legend is read again once if an id is new here. */
  async decode(stored: readonly (readonly [string, string])[]): Promise<HealthResult[]> {
    const parsed = stored.map(
      ([dealId, raw]) => [dealId, JSON.parse(raw) as HealthResult | StoredResult] as const,
    );
    const unknown = parsed.some(([, v]) => Array.isArray(v) && v[8].some(([id]) => !this.#entries.has(id)));
    if (unknown) {
      const all = await this.#redis.hgetall(this.#legendKey);
      for (const [e, id] of Object.entries(all)) if (e !== '#next') this.#remember(e, Number(id));
    }
    return parsed.map(([dealId, v]) => (Array.isArray(v) ? this.#build(dealId, v) : v));
  }

  #remember(entry: string, id: number): void {
    this.#ids.set(entry, id);
    this.#entries.set(id, JSON.parse(entry) as Entry);
  }

  #build(dealId: string, v: StoredResult): HealthResult {
    const [
      ,
      asOf,
      score,
      band,
      winProbability,
      confidence,
      trend,
      modelVersion,
      stored,
      contributions,
      reasons,
      actions,
    ] = v;
    const indicators: IndicatorResult[] = stored.map(([id, value, subScore, conf, evidence]) => {
      const [key, label] = this.#entries.get(id) ?? (['field:unknown', `indicator ${id}`] as Entry);
      return { key, label, value, subScore, confidence: conf, evidence };
    });
    return {
      dealId,
      asOf,
      score,
      band,
      winProbability,
      confidence,
      indicators,
      ...(contributions === null ? {} : { contributions }),
      reasons: reasons.map((r) => (typeof r === 'number' ? (indicators[r]?.evidence ?? '') : r)),
      trend,
      modelVersion,
      ...(actions === undefined
        ? {}
        : {
            actions: actions.flatMap(([code, lift]) => {
              const key = REP_ACTION_KEYS[code];
              return key === undefined ? [] : [{ key, lift }];
            }),
          }),
    };
  }
}
