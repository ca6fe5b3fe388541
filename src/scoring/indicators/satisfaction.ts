// 6. Satisfaction: for existing customers, prior won deals with the account; meeting no-shows and
// cancellations in the last 90 days count against. (A configurable NPS/CSAT field is a
// qualification-field indicator, issue 9.)

import { plural } from '../time.ts';
import { type IndicatorFn, indicatorResult, round } from './indicator.ts';

export const satisfaction: IndicatorFn = (input, stats, ctx) => {
  const priorWon = input.accountId != null ? ctx.norms.account(input.accountId, ctx.asOf).won : 0;
  const bad = stats.meetingsNoShow90 + stats.meetingsCanceled90;
  const meetings = stats.meetingsHeld90 + bad;
  if (meetings === 0 && priorWon === 0)
    return indicatorResult('satisfaction', null, 0.5, 0.15, 'New account, no meeting history yet');
  let sub: number;
  let evidence: string;
  const meetingScore = meetings > 0 ? 1 - bad / meetings : Number.NaN;
  const customerScore = priorWon > 0 ? Math.min(1, 0.8 + 0.05 * priorWon) : Number.NaN;
  if (Number.isNaN(meetingScore)) sub = customerScore;
  else if (Number.isNaN(customerScore)) sub = meetingScore;
  else sub = 0.6 * meetingScore + 0.4 * customerScore;
  if (bad > 0) evidence = `${bad} of ${plural(meetings, 'meeting')} in 90 days no-show or canceled`;
  else if (priorWon > 0) evidence = `Existing customer: ${plural(priorWon, 'prior won deal')}`;
  else evidence = `${plural(meetings, 'meeting')} held in 90 days, none missed`;
  const conf = 0.3 + (priorWon > 0 ? 0.35 : 0) + Math.min(0.35, 0.1 * meetings);
  return indicatorResult('satisfaction', meetings > 0 ? round(bad / meetings, 3) : null, sub, conf, evidence);
};
