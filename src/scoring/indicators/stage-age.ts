// 8. Stage age: days in the current stage against the tenant's median for that stage and pipeline.

import { daysBetween, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult } from './indicator.ts';

export const stageAge: IndicatorFn = (input, _stats, ctx) => {
  if (input.stageId == null)
    return indicatorResult('stage_age', null, 0.5, 0, 'Stage unknown as of this date');
  if (input.stageOrder < 0)
    return indicatorResult('stage_age', null, 0.5, 0, `Stage "${input.stageId}" is not in the pipeline`);
  const label = input.pipeline?.label.get(input.stageId) ?? input.stageId;
  if (input.isClosed) return indicatorResult('stage_age', null, 0.5, 0, `Deal is closed (${label})`);
  if (Number.isNaN(input.stageEnteredAt))
    return indicatorResult('stage_age', null, 0.5, 0, `In ${label}, entry date unknown`);
  const age = daysBetween(input.stageEnteredAt, ctx.asOf);
  const norm = ctx.norms.stageDays(input.pipelineId, input.stageId);
  const usual = Math.max(1, Math.round(norm.value));
  const r = age / norm.value / 1.5;
  const sub = 1 / (1 + r * r * r);
  const evidence = `In ${label} ${plural(age, 'day')}, usually ${usual}${input.stageEnteredApprox ? ' (entry date approximated)' : ''}`;
  const conf = (norm.learned ? 0.9 : 0.55) * (input.stageEnteredApprox ? 0.6 : 1);
  return indicatorResult('stage_age', age, sub, conf, evidence);
};
