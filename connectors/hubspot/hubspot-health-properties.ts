import { HEALTH_FIELDS, type HealthFieldKey, type HealthFieldValues } from '../../src/domain/index.ts';

/** The deal property group the tool creates. */
export const HEALTH_GROUP = { name: 'pipeline_health', label: 'Pipeline health' } as const;

/** HubSpot property name per health field; the only deal properties writeHealth may touch. */
export const HEALTH_PROPERTY_NAMES: Record<HealthFieldKey, string> = {
  score: 'ph_score',
  band: 'ph_band',
  winProbability: 'ph_win_probability',
  reasons: 'ph_reasons',
  trend: 'ph_trend',
  scoredAt: 'ph_scored_at',
  modelVersion: 'ph_model_version',
  // The element profile (issue 18 item 2): one enumeration per survey element.
  openCommunication: 'ph_open_communication',
  frequentAccess: 'ph_frequent_access',
  knowledgeSharing: 'ph_knowledge_sharing',
  jointPlanning: 'ph_joint_planning',
  industryUnderstanding: 'ph_industry_understanding',
  satisfaction: 'ph_satisfaction',
  trust: 'ph_trust',
};

/** The task property that carries an alert's dedupe key. */
export const ALERT_KEY_PROPERTY = 'ph_alert_key';

export interface HubSpotPropertyDefinition {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: string;
  fieldType: string;
  options?: { label: string; value: string; displayOrder: number; hidden: boolean }[];
}

const TYPES: Record<(typeof HEALTH_FIELDS)[number]['type'], { type: string; fieldType: string }> = {
  number: { type: 'number', fieldType: 'number' },
  enumeration: { type: 'enumeration', fieldType: 'select' },
  text: { type: 'string', fieldType: 'textarea' },
  string: { type: 'string', fieldType: 'text' },
  datetime: { type: 'datetime', fieldType: 'date' },
};

/** One deal property per HEALTH_FIELDS entry, typed as HubSpot wants it. */
export function healthPropertyDefinitions(): HubSpotPropertyDefinition[] {
  return HEALTH_FIELDS.map((f) => ({
    name: HEALTH_PROPERTY_NAMES[f.key],
    label: f.label,
    description: f.description,
    groupName: HEALTH_GROUP.name,
    ...TYPES[f.type],
    ...('options' in f
      ? {
          options: f.options.map((value, i) => ({
            label: 'optionLabels' in f ? (f.optionLabels[i] ?? value) : value.replace('_', ' '),
            value,
            displayOrder: i,
            hidden: false,
          })),
        }
      : {}),
  }));
}

export const ALERT_KEY_DEFINITION: HubSpotPropertyDefinition = {
  name: ALERT_KEY_PROPERTY,
  label: 'Pipeline health alert key',
  description: 'Deduplication key of the pipeline-health alert that created this task',
  groupName: HEALTH_GROUP.name,
  type: 'string',
  fieldType: 'text',
};

/**
 * HubSpot property values for a health write: only mapped health fields, never anything else
 * (a key outside HEALTH_FIELDS is dropped here, so no caller can write a property we did not create).
 * null clears the property (HubSpot clears on "").
 */
export function toHubSpotProperties(values: Partial<HealthFieldValues>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const name = HEALTH_PROPERTY_NAMES[key as HealthFieldKey];
    if (name === undefined || value === undefined) continue;
    out[name] = value === null ? '' : String(value);
  }
  return out;
}

/** Health values read back from HubSpot properties (empty values are absent). */
export function fromHubSpotProperties(
  properties: Record<string, string | null | undefined>,
): Partial<HealthFieldValues> {
  const out: Record<string, unknown> = {};
  for (const f of HEALTH_FIELDS) {
    const raw = properties[HEALTH_PROPERTY_NAMES[f.key]];
    if (raw === undefined || raw === null || raw === '') continue;
    if (f.type === 'number') {
      const n = Number(raw);
      if (Number.isFinite(n)) out[f.key] = n;
    } else if (f.type === 'datetime') {
      const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
      if (Number.isFinite(ms)) out[f.key] = new Date(ms).toISOString();
    } else {
      out[f.key] = raw;
    }
  }
  return out as Partial<HealthFieldValues>;
}
