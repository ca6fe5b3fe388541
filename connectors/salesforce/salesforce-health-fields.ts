import { HEALTH_FIELDS, type HealthFieldKey, type HealthFieldValues } from '../../src/domain/index.ts';

/**
 * A custom field the connector creates, with the Tooling API `Metadata` that defines it. Task and
 * Event custom fields are defined on `Activity` (a CustomField FullName `Task.X__c` is refused:
 * "bad value for restricted picklist field: Task") and then exist on both objects.
 */
export interface CustomFieldDefinition {
  object: 'Opportunity' | 'Activity';
  /** API name, e.g. `PH_Score__c`. */
  name: string;
  metadata: Record<string, unknown>;
}

/** HEALTH_FIELDS key → Opportunity custom field API name. Only these are ever written. */
export const SALESFORCE_HEALTH_FIELD_NAMES: Record<HealthFieldKey, string> = {
  score: 'PH_Score__c',
  band: 'PH_Band__c',
  winProbability: 'PH_Win_Probability__c',
  reasons: 'PH_Reasons__c',
  trend: 'PH_Trend__c',
  scoredAt: 'PH_Scored_At__c',
  modelVersion: 'PH_Model_Version__c',
  // The element profile (issue 18 item 2): one restricted picklist per survey element.
  openCommunication: 'PH_Open_Communication__c',
  frequentAccess: 'PH_Frequent_Access__c',
  knowledgeSharing: 'PH_Knowledge_Sharing__c',
  jointPlanning: 'PH_Joint_Planning__c',
  industryUnderstanding: 'PH_Industry_Understanding__c',
  satisfaction: 'PH_Satisfaction__c',
  trust: 'PH_Trust__c',
};

/** Task field holding the alert dedupe key (External ID, so it is indexed for the IN lookup). */
export const ALERT_KEY_FIELD = 'PH_Alert_Key__c';

function picklist(options: readonly string[], labels: readonly string[] = options): Record<string, unknown> {
  return {
    type: 'Picklist',
    valueSet: {
      restricted: true,
      valueSetDefinition: {
        sorted: false,
        value: options.map((o, i) => ({ fullName: o, label: labels[i] ?? o, default: false })),
      },
    },
  };
}

function metadataFor(field: (typeof HEALTH_FIELDS)[number]): Record<string, unknown> {
  const common = { label: field.label, description: field.description, inlineHelpText: field.description };
  switch (field.key) {
    case 'score':
      return { ...common, type: 'Number', precision: 3, scale: 0 };
    case 'winProbability':
      return { ...common, type: 'Number', precision: 4, scale: 3 };
    case 'band':
    case 'trend':
      return { ...common, ...picklist(field.options) };
    case 'reasons':
      return { ...common, type: 'LongTextArea', length: 4000, visibleLines: 3 };
    case 'scoredAt':
      return { ...common, type: 'DateTime' };
    case 'modelVersion':
      return { ...common, type: 'Text', length: 64 };
    default:
      // The element profile: a restricted picklist of the four levels.
      return { ...common, ...picklist(field.options, field.optionLabels) };
  }
}

/** Every custom field the bootstrap creates, in creation order. */
export function customFieldDefinitions(): CustomFieldDefinition[] {
  const fields: CustomFieldDefinition[] = HEALTH_FIELDS.map((f) => ({
    object: 'Opportunity' as const,
    name: SALESFORCE_HEALTH_FIELD_NAMES[f.key],
    metadata: metadataFor(f),
  }));
  fields.push({
    object: 'Activity',
    name: ALERT_KEY_FIELD,
    metadata: {
      type: 'Text',
      length: 255,
      externalId: true,
      unique: true,
      caseSensitive: true,
      label: 'Pipeline health alert key',
      description: 'Dedupe key of the pipeline-health alert that created this task',
    },
  });
  return fields;
}

/**
 * The objects whose field permissions grant a field: an Activity field is granted on Task and on
 * Event separately (FieldPermissions.Field `Task.X__c`, `Event.X__c`).
 */
export function grantedObjects(field: CustomFieldDefinition): string[] {
  return field.object === 'Activity' ? ['Task', 'Event'] : [field.object];
}

/**
 * The Opportunity field values for a health write: only the given keys, each mapped to its PH_
 * field (never any other field). Salesforce clears a field with null.
 */
export function toSalesforceHealthValues(values: Partial<HealthFieldValues>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const name = SALESFORCE_HEALTH_FIELD_NAMES[key as HealthFieldKey];
    if (name === undefined || value === undefined) continue;
    out[name] = value;
  }
  return out;
}
