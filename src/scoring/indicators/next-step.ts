// 11. Next step missing or stale.

import { daysBetween, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult } from './indicator.ts';
import { NEXT_STEP_FRESH_DAYS } from './joint-planning.ts';

export const nextStep: IndicatorFn = (input, _stats, ctx) => {
  if (input.nextStepState < 0)
    return indicatorResult('next_step', null, 0.5, 0, 'Next step not known as of this date');
  if (input.nextStepState === 0) return indicatorResult('next_step', null, 0.15, 0.8, 'No next step set');
  if (Number.isNaN(input.nextStepUpdatedAt))
    return indicatorResult('next_step', null, 0.7, 0.5, 'Next step set (last update unknown)');
  const age = daysBetween(input.nextStepUpdatedAt, ctx.asOf);
  if (age <= NEXT_STEP_FRESH_DAYS)
    return indicatorResult(
      'next_step',
      age,
      1,
      0.8,
      `Next step updated ${age === 0 ? 'today' : `${plural(age, 'day')} ago`}`,
    );
  const stale = (age - NEXT_STEP_FRESH_DAYS) / 21;
  return indicatorResult(
    'next_step',
    age,
    1 / (1 + stale * stale),
    0.8,
    `Next step stale: last updated ${plural(age, 'day')} ago`,
  );
};
