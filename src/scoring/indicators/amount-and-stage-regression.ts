// 10. Amount cuts and stage regressions: the amount reduced from its high, moves back to an
// earlier stage.

import { plural } from '../time.ts';
import { type IndicatorFn, indicatorResult, round } from './indicator.ts';

export const amountAndStageRegression: IndicatorFn = (input) => {
  const cut =
    input.maxAmount > 0 && Number.isFinite(input.amount)
      ? Math.max(0, (input.maxAmount - input.amount) / input.maxAmount)
      : 0;
  const regressions = input.stageRegressions;
  const sub = (1 - Math.min(0.7, cut)) / (1 + 0.5 * regressions);
  const parts: string[] = [];
  if (cut > 0.005)
    parts.push(
      `Amount cut ${round(cut * 100)}%${input.amountCuts > 1 ? ` in ${input.amountCuts} steps` : ''}`,
    );
  if (regressions > 0) parts.push(`moved back a stage ${plural(regressions, 'time')}`);
  let evidence: string;
  if (parts.length > 0) {
    evidence = parts.join('; ');
    evidence = evidence.charAt(0).toUpperCase() + evidence.slice(1);
  } else
    evidence = input.hasChangeHistory
      ? 'No amount cuts or stage regressions'
      : 'No stage or amount history to judge';
  return indicatorResult(
    'amount_and_stage_regression',
    round(cut, 3),
    sub,
    input.hasChangeHistory ? 0.8 : 0.3,
    evidence,
  );
};
