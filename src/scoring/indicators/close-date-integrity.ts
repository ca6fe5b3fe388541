// 9. Close-date integrity: a close date in the past, pushes (count and days), and a date that the
// remaining stages' historical durations make unrealistic.

import { DAY_MS, daysBetween, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult } from './indicator.ts';

export const closeDateIntegrity: IndicatorFn = (input, _stats, ctx) => {
  if (Number.isNaN(input.closeDate))
    return indicatorResult('close_date_integrity', null, 0.5, 0.2, 'No close date set');
  const passed = ctx.asOf >= input.closeDate + DAY_MS;
  const passedDays = passed ? daysBetween(input.closeDate, ctx.asOf) : 0;
  const daysLeft = passed ? 0 : Math.ceil((input.closeDate + DAY_MS - ctx.asOf) / DAY_MS);
  // Days the remaining open stages usually take: what is left of the current one plus later ones.
  let remaining = -1;
  const p = input.pipeline;
  if (!passed && p && input.stageId != null && input.stageOrder >= 0 && !input.isClosed) {
    const age = Number.isNaN(input.stageEnteredAt) ? 0 : daysBetween(input.stageEnteredAt, ctx.asOf);
    remaining = Math.max(0, ctx.norms.stageDays(input.pipelineId, input.stageId).value - age);
    remaining = Math.round(remaining + ctx.norms.laterStagesDays(input.pipelineId, p, input.stageOrder));
  }
  const unrealistic = remaining >= 0 && remaining > 1.5 * daysLeft + 7;
  let sub = 1;
  if (passed) sub *= 0.15 / (1 + passedDays / 30);
  sub *= 1 / (1 + 0.3 * input.closePushes + input.closePushDays / 180);
  if (unrealistic) sub *= 0.6;
  const pushed =
    input.closePushes > 0
      ? `pushed ${plural(input.closePushes, 'time')}${passed ? '' : ` (+${input.closePushDays} days)`}`
      : '';
  let evidence: string;
  if (passed)
    evidence = pushed
      ? `Close date ${pushed} and passed ${plural(passedDays, 'day')} ago`
      : `Close date passed ${plural(passedDays, 'day')} ago`;
  else if (unrealistic)
    evidence = `Closes in ${plural(daysLeft, 'day')}, but the remaining stages usually take ${remaining}${pushed ? `; ${pushed}` : ''}`;
  else if (pushed) evidence = `Close date ${pushed}`;
  else evidence = `Close date in ${plural(daysLeft, 'day')}, never pushed`;
  return indicatorResult('close_date_integrity', passed ? -passedDays : daysLeft, sub, 0.9, evidence);
};
