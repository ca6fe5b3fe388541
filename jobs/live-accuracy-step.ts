// Live accuracy in the score step (issue 18 item 5): before scoring, judge the stored model on the
// deals that closed since it was served and serve the prior instead if it did worse; while scoring,
// record each newly closed deal against the score it had 30 days before closing.

import type { DealInput, ScoringModel } from '../src/scoring/index.ts';
import { LIVE_LEAD_DAYS, type LiveAccuracy, liveAccuracy } from '../src/scoring/index.ts';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';

const DAY_MS = 86_400_000;
/** Entries of the model log kept (each is one change of the served model). */
const MODEL_LOG_ENTRIES = 200;
const UNKNOWN_VERSION = 'unknown';

export interface ServedModel {
  /** The model to score with: the stored one, or null (the prior) after a fallback. */
  model: ScoringModel | null;
  live: LiveAccuracy;
  /** The model served at a moment (from the model log): what produced a score in the history. */
  versionAt: (time: number) => string;
}

/** Judge `stored` on the live outcomes as of `asOf`, record which model is served from now on. */
export async function serveModel(
  store: TenantStateStore,
  stored: ScoringModel | null,
  priorVersion: string,
  asOf: number,
): Promise<ServedModel> {
  const outcomes = await store.liveOutcomes.list();
  const live = liveAccuracy(outcomes, stored?.version ?? priorVersion, asOf);
  const model = live.fallBack ? null : stored;
  const servedVersion = model?.version ?? priorVersion;
  await store.documents.setJson('liveAccuracy', { ...live, servedVersion });
  const log = (await store.documents.getJson<[number, string][]>('modelLog')) ?? [];
  if (log.at(-1)?.[1] !== servedVersion) {
    log.push([asOf, servedVersion]);
    await store.documents.setJson('modelLog', log.slice(-MODEL_LOG_ENTRIES));
  }
  const versionAt = (time: number): string => {
    let version = UNKNOWN_VERSION;
    for (const [from, v] of log) if (from <= time) version = v;
    return version;
  };
  return { model, live, versionAt };
}

/**
 * Closed deals of one chunk: those that still have a result record their outcome against the
 * score live 30 days before closing and leave their result and history. Returns results removed.
 */
export async function closeScoredDeals(
  store: TenantStateStore,
  closed: readonly DealInput[],
  asOf: number,
  versionAt: (time: number) => string,
): Promise<{ removed: number; recorded: number }> {
  if (closed.length === 0) return { removed: 0, recorded: 0 };
  const closing = closed.map((input) => ({
    dealId: input.id,
    // A deal closed without a known close time counts as closed when this run saw it.
    closedAt: Number.isNaN(input.closedAt) ? asOf : input.closedAt,
    won: input.isWon,
  }));
  return store.liveOutcomes.closeDeals(closing, LIVE_LEAD_DAYS * DAY_MS, versionAt);
}
