import { ELEMENT_LEVEL_LABELS, ELEMENT_LEVELS, type ElementLevel, elementLevel } from './element-levels.ts';
import type { HealthResult } from './health-result.ts';

/** One field per survey element (issue 18 item 2): its key, label and the indicator it reports. */
const elementField = <K extends string, I extends string>(key: K, indicator: I, name: string) =>
  ({
    key,
    label: `Element: ${name}`,
    type: 'enumeration',
    options: ELEMENT_LEVELS,
    optionLabels: ELEMENT_LEVELS.map((l) => ELEMENT_LEVEL_LABELS[l]),
    element: indicator,
    description: `Survey element "${name}" on this deal: strong / ok / weak, or not enough data to judge`,
  }) as const;

/**
 * The values pipeline-health writes on each deal (INDICATORS.md, "What is written back"),
 * CRM-neutral. Connectors map each key to their own property/field name (HubSpot `ph_score`,
 * Salesforce `PH_Score__c`) and create only these; they never write anything else.
 */
export const HEALTH_FIELDS = [
  {
    key: 'score',
    label: 'Health score',
    type: 'number',
    description: 'Leading-indicator health score 0-100',
  },
  {
    key: 'band',
    label: 'Health band',
    type: 'enumeration',
    options: ['healthy', 'watch', 'at_risk'],
    description: 'healthy / watch / at risk',
  },
  {
    key: 'winProbability',
    label: 'Win probability',
    type: 'number',
    description: 'Calibrated win probability 0-1 (empty until a model is fitted)',
  },
  { key: 'reasons', label: 'Health reasons', type: 'text', description: 'Top three reasons, one per line' },
  {
    key: 'trend',
    label: 'Health trend',
    type: 'enumeration',
    options: ['improving', 'steady', 'declining'],
    description: 'Against 7 days ago',
  },
  {
    key: 'scoredAt',
    label: 'Health scored at',
    type: 'datetime',
    description: 'When the score was computed',
  },
  {
    key: 'modelVersion',
    label: 'Health model version',
    type: 'string',
    description: 'Scoring model version',
  },
  elementField('openCommunication', 'open_communication', 'open communication'),
  elementField('frequentAccess', 'access', 'frequent access'),
  elementField('knowledgeSharing', 'knowledge_sharing', 'mutual knowledge sharing'),
  elementField('jointPlanning', 'joint_planning', 'joint planning'),
  elementField('industryUnderstanding', 'industry_understanding', 'industry understanding'),
  elementField('satisfaction', 'satisfaction', 'satisfaction'),
  elementField('trust', 'trust', 'trust'),
] as const;

export type HealthFieldKey = (typeof HEALTH_FIELDS)[number]['key'];

/** The element profile's field keys (one per survey element). */
type ElementFieldKey = Extract<(typeof HEALTH_FIELDS)[number], { element: string }>['key'];
const ELEMENT_FIELDS = HEALTH_FIELDS.filter(
  (f): f is Extract<(typeof HEALTH_FIELDS)[number], { element: string }> => 'element' in f,
);

/**
 * One deal's health values; null clears a field in the CRM. The element levels are always set by
 * `toHealthFieldValues`; they are optional in the type because values written before the element
 * profile existed (and writes of the core fields alone) do not carry them.
 */
export type HealthFieldValues = {
  score: number;
  band: string;
  winProbability: number | null;
  reasons: string;
  trend: string | null;
  scoredAt: string;
  modelVersion: string;
} & Partial<Record<ElementFieldKey, ElementLevel>>;

/** The CRM values for a result. Scores are rounded so noise below display precision never causes a write. */
export function toHealthFieldValues(result: HealthResult): HealthFieldValues {
  const byKey = new Map(result.indicators.map((i) => [i.key, i]));
  const elements = Object.fromEntries(
    ELEMENT_FIELDS.map((f) => [f.key, elementLevel(byKey.get(f.element))]),
  ) as Record<ElementFieldKey, ElementLevel>;
  return {
    ...elements,
    score: Math.round(result.score),
    band: result.band,
    winProbability: result.winProbability === null ? null : Math.round(result.winProbability * 1000) / 1000,
    reasons: result.reasons.join('\n'),
    trend: result.trend,
    scoredAt: result.asOf,
    modelVersion: result.modelVersion,
  };
}

/**
 * The fields of `next` that differ from what was last written. `scoredAt` alone never makes a
 * write: a deal whose values did not change is not written again (fewest API calls).
 */
export function changedHealthFields(
  lastWritten: Partial<HealthFieldValues> | undefined,
  next: HealthFieldValues,
): Partial<HealthFieldValues> {
  const changed: Partial<HealthFieldValues> = {};
  let any = false;
  for (const key of Object.keys(next) as HealthFieldKey[]) {
    if (key === 'scoredAt') continue;
    if (lastWritten?.[key] !== next[key]) {
      (changed as Record<string, unknown>)[key] = next[key];
      any = true;
    }
  }
  if (any) changed.scoredAt = next.scoredAt;
  return changed;
}
