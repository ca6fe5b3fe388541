import type { RedisClient } from './redis-client.ts';
import { chunked } from './redis-chunks.ts';
import { decodeHistory, scoreAsOf } from './score-history.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** A closed deal with the score it had a lead time before it closed (live accuracy, issue 18 item 5). */
export interface StoredOutcome {
  dealId: string;
  closedAt: number;
  won: boolean;
  scoredAt: number;
  score: number;
  priorScore: number;
  modelVersion: string;
}

export interface ClosingDeal {
  dealId: string;
  /** When it closed (epoch ms). */
  closedAt: number;
  won: boolean;
}

/** Outcomes kept per tenant (the newest): months of closes for any tenant this product serves. */
const MAX_OUTCOMES = 20_000;

// A closed deal leaves its result, pending write intent and score history in one script, and its
// outcome is recorded only by the call that removed the result: a rerun after a crash (or another
// worker) finds no result and records nothing twice.
// KEYS: results, write intents, history, outcomes. ARGV: cap, then per deal its id and outcome ('' none).
const CLOSE = `
local removed, recorded = 0, 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('hdel', KEYS[1], id) == 1 then
    removed = removed + 1
    redis.call('hdel', KEYS[2], id)
    redis.call('hdel', KEYS[3], id)
    if ARGV[i + 1] ~= '' then
      redis.call('rpush', KEYS[4], ARGV[i + 1])
      recorded = recorded + 1
    end
  end
end
if recorded > 0 then redis.call('ltrim', KEYS[4], -tonumber(ARGV[1]), -1) end
return {removed, recorded}`;

/** The tenant's live outcomes: recorded when deals close, read to judge the served model. */
export class LiveOutcomesStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;

  constructor(redis: RedisClient, keys: TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /**
   * Closed deals: each one that still has a result records its outcome against the score it had
   * `leadMs` before closing (none when its history does not reach back that far), then loses its
   * result, intent and history. `versionAt` names the model served at a moment.
   */
  async closeDeals(
    closing: readonly ClosingDeal[],
    leadMs: number,
    versionAt: (time: number) => string,
  ): Promise<{ removed: number; recorded: number }> {
    let removed = 0;
    let recorded = 0;
    const k = this.#keys;
    for (const chunk of chunked(closing)) {
      const ids = chunk.map((c) => c.dealId);
      const histories = await this.#redis.hmget(k.history, ...ids);
      const args: string[] = [String(MAX_OUTCOMES)];
      chunk.forEach((c, j) => {
        const entry = scoreAsOf(decodeHistory(histories[j] ?? null), c.closedAt - leadMs);
        const outcome =
          entry === null
            ? ''
            : JSON.stringify([
                c.dealId,
                c.closedAt,
                c.won ? 1 : 0,
                entry.at,
                entry.score,
                entry.priorScore,
                versionAt(entry.at),
              ]);
        args.push(c.dealId, outcome);
      });
      const [r, n] = (await this.#redis.eval(
        CLOSE,
        4,
        k.results,
        k.writeIntents,
        k.history,
        k.liveOutcomes,
        ...args,
      )) as [number, number];
      removed += r;
      recorded += n;
    }
    return { removed, recorded };
  }

  /** Every kept outcome, oldest first. */
  async list(): Promise<StoredOutcome[]> {
    const raw = await this.#redis.lrange(this.#keys.liveOutcomes, 0, -1);
    return raw.map((r) => {
      const [dealId, closedAt, won, scoredAt, score, priorScore, modelVersion] = JSON.parse(r) as [
        string,
        number,
        number,
        number,
        number,
        number,
        string,
      ];
      return { dealId, closedAt, won: won === 1, scoredAt, score, priorScore, modelVersion };
    });
  }
}
