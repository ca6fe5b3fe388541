// 5. Industry understanding: the account profile is known (industry, size), the owner's track
// record in that industry (win rate of deals closed before as-of, shrunk towards the tenant's),
// and discovery notes on the deal.

import { type IndicatorFn, indicatorResult, round } from './indicator.ts';

/** Pseudo-deals of the tenant rate mixed into an owner's record (shrinkage for small samples). */
const SHRINK = 5;

export const industryUnderstanding: IndicatorFn = (input, stats, ctx) => {
  const discovery = stats.discoveryNotes > 0 ? 1 : 0;
  const profile = input.accountProfileFields / 2;
  const all = ctx.norms.all(ctx.asOf);
  const prior = ctx.norms.norms.defaults.winRate;
  const base = (all.won + 2 * prior) / (all.won + all.lost + 2);
  let winScore = 0.5;
  let rate: number | null = null;
  let n = 0;
  let evidence: string;
  if (input.ownerId != null) {
    const c = ctx.norms.owner(input.ownerId, input.industry, ctx.asOf);
    n = c.won + c.lost;
    const r = (c.won + SHRINK * base) / (n + SHRINK);
    winScore = r / (r + base);
    if (n > 0) rate = c.won / n;
    const ind = input.industry != null ? `${input.industry} ` : '';
    evidence =
      n === 0
        ? `Owner has no closed ${ind}deals yet`
        : `Owner won ${c.won} of ${n} ${ind}${n === 1 ? 'deal' : 'deals'} (${round((c.won / n) * 100)}%)`;
  } else evidence = 'Deal has no owner to judge industry track record';
  if (input.accountId == null)
    evidence = `No account linked; ${evidence.charAt(0).toLowerCase()}${evidence.slice(1)}`;
  else if (input.industry == null && input.ownerId != null)
    evidence = `Account industry unknown; ${evidence.charAt(0).toLowerCase()}${evidence.slice(1)}`;
  if (discovery === 0) evidence += '; no discovery notes';
  const sub = 0.2 * profile + 0.55 * winScore + 0.25 * discovery;
  const conf =
    0.2 +
    0.45 * Math.min(1, n / 10) +
    0.2 * (input.industry != null ? 1 : 0) +
    0.15 * (stats.total > 0 ? 1 : 0);
  return indicatorResult('industry_understanding', rate, sub, conf, evidence);
};
