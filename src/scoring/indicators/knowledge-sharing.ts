// 3. Mutual knowledge sharing: conversations with logged notes, buyer messages, and both sides
// contributing (not only the rep sending), over the last 30 days.

import { plural } from '../time.ts';
import { type IndicatorFn, indicatorResult, NO_ACTIVITY } from './indicator.ts';

export const knowledgeSharing: IndicatorFn = (_input, stats) => {
  if (stats.total === 0) return indicatorResult('knowledge_sharing', null, 0.5, 0, NO_ACTIVITY);
  if (stats.total30 === 0)
    return indicatorResult('knowledge_sharing', 0, 0.15, 0.6, 'Nothing logged on this deal in 30 days');
  const dir = stats.inbound30 + stats.outbound30;
  const balance = dir > 0 ? Math.min(1, stats.inbound30 / dir / 0.3) : 0.5;
  const content = Math.min(1, stats.documented30 / 2);
  const sub = 0.5 * content + 0.5 * balance;
  let evidence: string;
  if (stats.outbound30 >= 3 && stats.inbound30 === 0)
    evidence = `Only the rep is sending: ${plural(stats.outbound30, 'email/call', 'emails/calls')}, nothing back from the buyer in 30 days`;
  else if (stats.documented30 === 0) evidence = 'No conversation notes logged in 30 days';
  else
    evidence = `${plural(stats.documented30, 'documented conversation')} and ${plural(stats.inbound30, 'buyer message')} in 30 days`;
  const conf = Math.min(1, 0.4 + 0.1 * stats.total30);
  return indicatorResult('knowledge_sharing', stats.documented30 + stats.inbound30, sub, conf, evidence);
};
