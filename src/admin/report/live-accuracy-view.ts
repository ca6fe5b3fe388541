import type { TenantStateStore } from '../../store/tenant-state.store.ts';

/**
 * What the model report and the report page show of live accuracy (stored by the score step,
 * jobs/live-accuracy-step.ts; docs/SCORING.md section 5b): by month of close, how the scores live
 * 30 days before each outcome did, and whether the stored model is served or fell back to the prior.
 */
export interface LiveAccuracyView {
  asOf: string;
  leadDays: number;
  servedVersion: string;
  fallBack: boolean;
  reason: string;
  months: {
    month: string;
    deals: number;
    won: number;
    auc: number | null;
    brier: number | null;
    priorAuc: number | null;
    priorBrier: number | null;
  }[];
  window: {
    days: number;
    deals: number;
    won: number;
    auc: number | null;
    brier: number | null;
    priorAuc: number | null;
  };
}

/** The stored live accuracy, or null before a score step has judged the model. */
export async function readLiveAccuracy(store: TenantStateStore): Promise<LiveAccuracyView | null> {
  const stored = await store.documents.getJson<LiveAccuracyView>('liveAccuracy');
  if (stored === null) return null;
  const { asOf, leadDays, servedVersion, fallBack, reason, months, window } = stored;
  return {
    asOf,
    leadDays,
    servedVersion,
    fallBack,
    reason,
    months: months.map(({ month, deals, won, auc, brier, priorAuc, priorBrier }) => ({
      month,
      deals,
      won,
      auc,
      brier,
      priorAuc,
      priorBrier,
    })),
    window: {
      days: window.days,
      deals: window.deals,
      won: window.won,
      auc: window.auc,
      brier: window.brier,
      priorAuc: window.priorAuc,
    },
  };
}
