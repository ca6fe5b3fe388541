// 1. Open communication: is the buyer talking back? Days since the buyer last wrote or called,
// against the tenant's normal gap between buyer responses ("ghosting"), and the share of two-way
// traffic in the last 30 days.

import { daysBetween, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult, NO_ACTIVITY, round } from './indicator.ts';

export const openCommunication: IndicatorFn = (_input, stats, ctx) => {
  if (stats.total === 0) return indicatorResult('open_communication', null, 0.5, 0, NO_ACTIVITY);
  const norm = ctx.norms.replyGapDays();
  const usual = Math.max(1, Math.round(norm.value));
  const normConf = norm.learned ? 1 : 0.85;
  if (stats.inboundEver === 0) {
    if (stats.outboundEver === 0)
      return indicatorResult('open_communication', null, 0.5, 0.15, 'No emails or calls logged on this deal');
    // The rep reaches out and the buyer never answered: bad, and surer the more was sent.
    const days = daysBetween(stats.firstOutboundAt, ctx.asOf);
    const sub = stats.outboundEver >= 3 ? 0.1 : 0.3;
    return indicatorResult(
      'open_communication',
      days,
      sub,
      Math.min(1, 0.3 + 0.15 * stats.outboundEver) * normConf,
      `No buyer reply in ${plural(days, 'day')} (${plural(stats.outboundEver, 'touch', 'touches')} sent)`,
    );
  }
  const days = daysBetween(stats.lastInboundAt, ctx.asOf);
  const r = days / usual;
  const over = Math.max(0, r - 1) / 1.5;
  const gapScore = 1 / (1 + over * over);
  const dir = stats.inbound30 + stats.outbound30;
  const share = dir > 0 ? stats.inbound30 / dir : Number.NaN;
  // Silence dominates: a one-sided month only trims a recent reply's score, never rescues a ghost.
  const sub = Number.isNaN(share) ? gapScore : gapScore * (0.7 + 0.3 * Math.min(1, share / 0.35));
  let evidence: string;
  if (r >= 1.5) evidence = `No buyer reply in ${plural(days, 'day')}, usually ${usual}`;
  else
    evidence = `Buyer last replied ${days === 0 ? 'today' : `${plural(days, 'day')} ago`}, usually every ${plural(usual, 'day')}`;
  if (r < 1.5 && share < 0.2) evidence += `; ${round(share * 100)}% of 30-day emails/calls from the buyer`;
  else if (stats.replyLatencyDays > 2 * usual)
    evidence += `; replies take ${round(stats.replyLatencyDays)} days on average`;
  const conf = Math.min(1, 0.5 + 0.1 * (stats.inboundEver + stats.outboundEver)) * normConf;
  return indicatorResult('open_communication', days, sub, conf, evidence);
};
