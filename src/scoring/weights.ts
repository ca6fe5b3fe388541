// Indicator keys, labels and prior weights. The relationship elements take weight ∝ ln(likelihood
// ratio) from the Sandler survey (INDICATORS.md); the process signals have documented priors of
// the same magnitude. Tenants override any weight by key (Tenant.scoring.weights).

import { CORE_INDICATOR_KEYS } from '../domain/index.ts';

/** The built-in indicators, in the order the engine evaluates and reports them (defined in the domain). */
export { CORE_INDICATOR_KEYS };
export type CoreIndicatorKey = (typeof CORE_INDICATOR_KEYS)[number];

/** Survey likelihood ratios (healthy vs unhealthy pipeline) for the seven relationship elements. */
const SURVEY_LIKELIHOOD_RATIOS = {
  open_communication: 1.5,
  access: 1.7,
  knowledge_sharing: 2.2,
  joint_planning: 2.5,
  industry_understanding: 1.9,
  satisfaction: 1.6,
  trust: 1.5,
} as const;

/**
 * Priors for the process signals (no survey ratio exists). Chosen within the range of the
 * relationship weights (ln 1.5 = 0.41 .. ln 2.5 = 0.92), i.e. each counts like a 1.6x-2x element:
 * close-date integrity highest (a passed or repeatedly pushed date is the classic slip signal),
 * then stage age, next step, and amount cuts / regressions (rarer, so less often informative).
 */
const PROCESS_PRIOR_WEIGHTS = {
  stage_age: 0.6,
  close_date_integrity: 0.7,
  amount_and_stage_regression: 0.45,
  next_step: 0.5,
} as const;

/**
 * Among indicators about equally bad (sub-scores within 0.05), reasons are listed in this order:
 * the most specific and actionable first. Qualification fields come after these.
 */
export const REASON_PRIORITY: readonly CoreIndicatorKey[] = [
  'close_date_integrity',
  'open_communication',
  'stage_age',
  'next_step',
  'trust',
  'joint_planning',
  'access',
  'knowledge_sharing',
  'amount_and_stage_regression',
  'satisfaction',
  'industry_understanding',
];

/** Default weight of a `field:<name>` qualification indicator (issue 9) unless the tenant sets one. */
const DEFAULT_FIELD_WEIGHT = 0.5;

/** Prior weight per core indicator: ln(ratio) for relationship elements, the priors above for process. */
export const PRIOR_WEIGHTS: Readonly<Record<CoreIndicatorKey, number>> = {
  ...(Object.fromEntries(
    Object.entries(SURVEY_LIKELIHOOD_RATIOS).map(([k, r]) => [k, Math.round(Math.log(r) * 1000) / 1000]),
  ) as Record<keyof typeof SURVEY_LIKELIHOOD_RATIOS, number>),
  ...PROCESS_PRIOR_WEIGHTS,
};

export const INDICATOR_LABELS: Readonly<Record<CoreIndicatorKey, string>> = {
  open_communication: 'Open communication',
  access: 'Access / frequent interaction',
  knowledge_sharing: 'Mutual knowledge sharing',
  joint_planning: 'Joint planning',
  industry_understanding: 'Industry understanding',
  satisfaction: 'Satisfaction',
  trust: 'Trust',
  stage_age: 'Stage age',
  close_date_integrity: 'Close-date integrity',
  amount_and_stage_regression: 'Amount cuts & stage regressions',
  next_step: 'Next step',
};

/** Resolves the weight of every key: tenant override, else prior (else the field default). */
export function resolveWeights(
  keys: readonly string[],
  overrides: Readonly<Record<string, number>> = {},
): Float64Array {
  const w = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    const o = Object.hasOwn(overrides, k) ? overrides[k] : undefined;
    const prior = Object.hasOwn(PRIOR_WEIGHTS, k)
      ? PRIOR_WEIGHTS[k as CoreIndicatorKey]
      : DEFAULT_FIELD_WEIGHT;
    w[i] = o !== undefined && Number.isFinite(o) && o >= 0 ? o : prior;
  });
  return w;
}
