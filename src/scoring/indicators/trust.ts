// 7. Trust: multithreading (distinct buyer contacts engaged in two-way touches in 30 days, senior
// titles or decision-maker roles among them) and relationship tenure (first won deal with the account).

import { DAY_MS, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult, NO_ACTIVITY } from './indicator.ts';

export const trust: IndicatorFn = (input, stats, ctx) => {
  if (stats.total === 0) return indicatorResult('trust', null, 0.5, 0, NO_ACTIVITY);
  const engaged = stats.engagedContacts30;
  const senior = stats.engagedSenior30 > 0 ? 1 : 0;
  const multi = engaged >= 3 ? 1 : engaged === 2 ? 0.7 : engaged === 1 ? 0.35 : 0;
  const acct = input.accountId != null ? ctx.norms.account(input.accountId, ctx.asOf) : null;
  const years = acct && acct.won > 0 ? (ctx.asOf - acct.firstWonAt) / (365 * DAY_MS) : -1;
  const tenure = years >= 0 ? Math.min(1, 0.6 + years / 5) : 0.3;
  const sub = 0.55 * multi + 0.25 * senior + 0.2 * tenure;
  let evidence: string;
  if (engaged === 0) evidence = 'No buyer contact engaged in 30 days';
  else if (engaged === 1)
    evidence = `Only 1 buyer contact engaged in 30 days${senior ? ' (a decision maker)' : ''}`;
  else
    evidence = `${engaged} buyer contacts engaged in 30 days${senior ? ' incl. a decision maker' : ', none senior'}`;
  if (years >= 1) evidence += `; customer for ${plural(Math.floor(years), 'year')}`;
  const conf = Math.min(1, 0.5 + 0.1 * stats.total30);
  return indicatorResult('trust', engaged, sub, conf, evidence);
};
