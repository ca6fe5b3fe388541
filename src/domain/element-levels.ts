import type { IndicatorResult } from './health-result.ts';

/** The relationship elements of the Sandler survey, as indicator keys, in report order (issue 18 item 2). */
export const SURVEY_ELEMENTS = [
  { key: 'open_communication', label: 'open communication' },
  { key: 'access', label: 'frequent access' },
  { key: 'knowledge_sharing', label: 'mutual knowledge sharing' },
  { key: 'joint_planning', label: 'joint planning' },
  { key: 'industry_understanding', label: 'industry understanding' },
  { key: 'satisfaction', label: 'satisfaction' },
  { key: 'trust', label: 'trust' },
] as const;

/**
 * One element of a deal as written to the CRM: a level, not the raw sub-score, so a CRM view can
 * filter on it and a sub-score that moves by noise does not cause a write every cycle.
 */
export const ELEMENT_LEVELS = ['strong', 'ok', 'weak', 'unknown'] as const;
export type ElementLevel = (typeof ELEMENT_LEVELS)[number];
export const ELEMENT_LEVEL_LABELS: Record<ElementLevel, string> = {
  strong: 'Strong',
  ok: 'OK',
  weak: 'Weak',
  unknown: 'Not enough data',
};

/**
 * The cut points. `weakBelow` and `minConfidence` are the team view's (scoring/team-elements.ts), so a
 * CRM report of "weak on joint planning" counts the same deals as the report page; `strongFrom` is
 * the healthy side of neutral, mirroring `weakBelow` around 0.5.
 */
export const ELEMENT_THRESHOLDS = { weakBelow: 0.4, strongFrom: 0.6, minConfidence: 0.3 } as const;

/** The level of one element indicator (absent, or judged on too little evidence: `unknown`). */
export function elementLevel(
  indicator: Pick<IndicatorResult, 'subScore' | 'confidence'> | undefined,
): ElementLevel {
  if (indicator === undefined || indicator.confidence < ELEMENT_THRESHOLDS.minConfidence) return 'unknown';
  if (indicator.subScore < ELEMENT_THRESHOLDS.weakBelow) return 'weak';
  return indicator.subScore >= ELEMENT_THRESHOLDS.strongFrom ? 'strong' : 'ok';
}
