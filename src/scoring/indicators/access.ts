// 2. Access / frequent interaction: two-way touches (held meetings, connected calls, buyer emails)
// in the last 14 and 30 days against the norm for deals in the same stage, and days since the last.

import { daysBetween, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult, NO_ACTIVITY } from './indicator.ts';

export const access: IndicatorFn = (input, stats, ctx) => {
  if (stats.total === 0) return indicatorResult('access', null, 0.5, 0, NO_ACTIVITY);
  const norm = ctx.norms.twoWayPer30(input.pipelineId, input.stageId);
  const usual = Math.max(1, Math.round(norm.value));
  const freq = Math.min(1, stats.twoWay30 / norm.value);
  const since = Number.isNaN(stats.lastTwoWayAt) ? -1 : daysBetween(stats.lastTwoWayAt, ctx.asOf);
  const late = since < 0 ? 0 : Math.max(0, since - 7) / 14;
  const recency = since < 0 ? 0 : 1 / (1 + late * late);
  const sub = 0.6 * freq + 0.4 * recency;
  let evidence: string;
  if (stats.twoWay30 === 0)
    evidence =
      since < 0
        ? 'No two-way touch logged (meeting, connected call or buyer email)'
        : `No two-way touch in ${plural(since, 'day')}`;
  else {
    evidence = `${plural(stats.twoWay30, 'two-way touch', 'two-way touches')} in 30 days, usually ${usual}`;
    if (stats.twoWay14 === 0) evidence += '; none in the last 14 days';
  }
  const conf = Math.min(1, 0.4 + 0.1 * stats.total) * (norm.learned ? 1 : 0.85);
  return indicatorResult('access', stats.twoWay30, sub, conf, evidence);
};
