import type { SandboxWorld } from '../world.ts';
import { HubSpotHttpError } from './hubspot-errors.ts';
import { type HubSpotObjectType, OWNER_ID_OFFSET } from './hubspot-object-types.ts';

/** A property definition as HubSpot's properties API returns it (the fields connectors use). */
export interface HubSpotProperty {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
  fieldType: string;
  groupName: string;
  description: string;
  options: { label: string; value: string; displayOrder: number; hidden: boolean }[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  formField: boolean;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubSpotPropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

type Spec = [name: string, type: HubSpotProperty['type'], options?: readonly string[] | 'readonly'];

const ENGAGEMENT_COMMON: Spec[] = [
  ['hs_timestamp', 'datetime'],
  ['hubspot_owner_id', 'enumeration'],
  ['hs_createdate', 'datetime', 'readonly'],
  ['hs_lastmodifieddate', 'datetime', 'readonly'],
  ['hs_object_id', 'number', 'readonly'],
];

const SPECS: Record<HubSpotObjectType, Spec[]> = {
  deals: [
    ['dealname', 'string'],
    ['dealstage', 'enumeration'],
    ['pipeline', 'enumeration'],
    ['amount', 'number'],
    ['closedate', 'datetime'],
    ['createdate', 'datetime'],
    ['hs_lastmodifieddate', 'datetime', 'readonly'],
    ['hubspot_owner_id', 'enumeration'],
    ['hs_next_step', 'string'],
    ['description', 'string'],
    ['closed_lost_reason', 'string'],
    ['hs_is_closed', 'bool', 'readonly'],
    ['hs_is_closed_won', 'bool', 'readonly'],
    ['hs_object_id', 'number', 'readonly'],
    ['num_associated_contacts', 'number', 'readonly'],
    ['budget_allocated', 'bool'],
    ['competitor_present', 'bool'],
    ['decision_process', 'enumeration', ['unknown', 'identified', 'documented', 'signed_off']],
  ],
  contacts: [
    ['firstname', 'string'],
    ['lastname', 'string'],
    ['email', 'string'],
    ['jobtitle', 'string'],
    ['company', 'string'],
    ['associatedcompanyid', 'number'],
    ['hubspot_owner_id', 'enumeration'],
    ['createdate', 'datetime'],
    ['lastmodifieddate', 'datetime', 'readonly'],
    ['hs_object_id', 'number', 'readonly'],
  ],
  companies: [
    ['name', 'string'],
    ['domain', 'string'],
    ['industry', 'string'],
    ['numberofemployees', 'number'],
    ['annualrevenue', 'number'],
    ['hubspot_owner_id', 'enumeration'],
    ['createdate', 'datetime'],
    ['hs_lastmodifieddate', 'datetime', 'readonly'],
    ['hs_object_id', 'number', 'readonly'],
  ],
  emails: [
    ...ENGAGEMENT_COMMON,
    ['hs_email_direction', 'enumeration', ['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL']],
    ['hs_email_subject', 'string'],
    ['hs_email_text', 'string'],
    ['hs_email_html', 'string'],
    ['hs_email_status', 'enumeration', ['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT']],
  ],
  calls: [
    ...ENGAGEMENT_COMMON,
    ['hs_call_direction', 'enumeration', ['INBOUND', 'OUTBOUND']],
    [
      'hs_call_status',
      'enumeration',
      [
        'BUSY',
        'CALLING_CRM_USER',
        'CANCELED',
        'COMPLETED',
        'CONNECTING',
        'FAILED',
        'IN_PROGRESS',
        'NO_ANSWER',
        'QUEUED',
        'RINGING',
      ],
    ],
    ['hs_call_duration', 'number'],
    ['hs_call_disposition', 'string'],
    ['hs_call_title', 'string'],
    ['hs_call_body', 'string'],
  ],
  meetings: [
    ...ENGAGEMENT_COMMON,
    ['hs_meeting_title', 'string'],
    ['hs_meeting_body', 'string'],
    ['hs_internal_meeting_notes', 'string'],
    ['hs_meeting_start_time', 'datetime'],
    ['hs_meeting_end_time', 'datetime'],
    ['hs_meeting_outcome', 'enumeration', ['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']],
    ['hs_meeting_location', 'string'],
  ],
  notes: [...ENGAGEMENT_COMMON, ['hs_note_body', 'string']],
  tasks: [
    ...ENGAGEMENT_COMMON,
    ['hs_task_subject', 'string'],
    ['hs_task_body', 'string'],
    ['hs_task_status', 'enumeration', ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']],
    ['hs_task_type', 'enumeration', ['EMAIL', 'CALL', 'TODO', 'LINKED_IN', 'MEETING']],
    ['hs_task_priority', 'enumeration', ['NONE', 'LOW', 'MEDIUM', 'HIGH']],
    ['hs_task_completion_date', 'datetime'],
  ],
  goal_targets: [
    ['hs_goal_name', 'string'],
    ['hs_target_amount', 'number'],
    ['hs_start_datetime', 'datetime'],
    ['hs_end_datetime', 'datetime'],
    ['hs_assignee_user_id', 'number'],
    ['hs_kpi_display_name', 'string'],
    ['hs_created_by_user_id', 'number'],
    ['hs_createdate', 'datetime', 'readonly'],
    ['hs_lastmodifieddate', 'datetime', 'readonly'],
    ['hs_object_id', 'number', 'readonly'],
  ],
};

const FIELD_TYPE: Record<HubSpotProperty['type'], string> = {
  string: 'text',
  number: 'number',
  date: 'date',
  datetime: 'date',
  enumeration: 'select',
  bool: 'booleancheckbox',
};

/**
 * The fieldType values each type accepts (properties API guide, "Property type and fieldType values").
 * `object_coordinates` and `json` are HubSpot-internal and not creatable here.
 */
const VALID_FIELD_TYPES: Record<HubSpotProperty['type'], readonly string[]> = {
  bool: ['booleancheckbox', 'calculation_equation'],
  enumeration: ['booleancheckbox', 'checkbox', 'radio', 'select', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  string: ['file', 'text', 'textarea', 'calculation_equation', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
};

const DEFAULT_GROUP: Record<HubSpotObjectType, string> = {
  deals: 'dealinformation',
  contacts: 'contactinformation',
  companies: 'companyinformation',
  emails: 'email',
  calls: 'call',
  meetings: 'meeting',
  notes: 'note',
  tasks: 'task',
  goal_targets: 'goal_target_information',
};

/**
 * Property definitions and groups per object type, with HubSpot's validation of written values.
 * Built-ins are created from the world (stage, pipeline and owner options); API-created ones are added.
 */
export class HubSpotPropertyRegistry {
  readonly #properties = new Map<HubSpotObjectType, Map<string, HubSpotProperty>>();
  readonly #groups = new Map<HubSpotObjectType, Map<string, HubSpotPropertyGroup>>();
  readonly #createdAt: string;

  constructor(world: SandboxWorld, pipelineIds: Map<string, string>) {
    this.#createdAt = new Date(Date.parse(world.now) - 900 * 86_400_000).toISOString();
    const stageOptions = world.pipelines.flatMap((p) => p.stages.map((s) => s.key));
    const pipelineOptions = world.pipelines.map((p) => pipelineIds.get(p.key) ?? p.key);
    // Owner properties offer the current owners only: deactivated (archived) owners keep the records
    // they own, but nothing new can be assigned to them (docs/SANDBOX.md: "Deactivated owners").
    const ownerOptions = world.owners
      .filter((o) => o.active !== false)
      .map((o) => String(OWNER_ID_OFFSET + o.n));
    for (const [type, specs] of Object.entries(SPECS) as [HubSpotObjectType, Spec[]][]) {
      const props = new Map<string, HubSpotProperty>();
      const groups = new Map<string, HubSpotPropertyGroup>();
      groups.set(DEFAULT_GROUP[type], {
        name: DEFAULT_GROUP[type],
        label: label(DEFAULT_GROUP[type]),
        displayOrder: -1,
        archived: false,
      });
      for (const [name, kind, extra] of specs) {
        let options: readonly string[] = Array.isArray(extra) ? extra : [];
        if (name === 'dealstage') options = stageOptions;
        if (name === 'pipeline') options = pipelineOptions;
        if (name === 'hubspot_owner_id') options = ownerOptions;
        props.set(name, this.#define(type, name, kind, options, extra === 'readonly', true));
      }
      if (type === 'deals') {
        for (const stage of stageOptions) {
          props.set(
            `hs_date_entered_${stage}`,
            this.#define(type, `hs_date_entered_${stage}`, 'datetime', [], true, true),
          );
        }
      }
      this.#properties.set(type, props);
      this.#groups.set(type, groups);
    }
  }

  #define(
    type: HubSpotObjectType,
    name: string,
    kind: HubSpotProperty['type'],
    options: readonly string[],
    readOnly: boolean,
    hubspotDefined: boolean,
    groupName = DEFAULT_GROUP[type],
  ): HubSpotProperty {
    return {
      name,
      label: label(name),
      type: kind,
      fieldType: FIELD_TYPE[kind],
      groupName,
      description: '',
      options: options.map((value, i) => ({ label: value, value, displayOrder: i, hidden: false })),
      displayOrder: -1,
      calculated: readOnly,
      externalOptions: false,
      hasUniqueValue: false,
      hidden: false,
      hubspotDefined,
      formField: false,
      modificationMetadata: {
        archivable: !hubspotDefined,
        readOnlyDefinition: hubspotDefined,
        readOnlyValue: readOnly,
      },
      createdAt: this.#createdAt,
      updatedAt: this.#createdAt,
      archived: false,
    };
  }

  list(type: HubSpotObjectType): HubSpotProperty[] {
    return [...(this.#properties.get(type)?.values() ?? [])];
  }

  get(type: HubSpotObjectType, name: string): HubSpotProperty | undefined {
    return this.#properties.get(type)?.get(name);
  }

  /** Create a property; 409 when it exists, 400 when its group is unknown or the definition is invalid. */
  create(
    type: HubSpotObjectType,
    input: Partial<HubSpotProperty> & {
      options?: { label: string; value: string; hidden?: boolean; displayOrder?: number }[];
    },
    nowIso: string,
  ): HubSpotProperty {
    const name = input.name ?? '';
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new HubSpotHttpError(400, {
        message: `Invalid property name '${name}'`,
        category: 'VALIDATION_ERROR',
      });
    }
    if (this.get(type, name)) {
      throw new HubSpotHttpError(409, {
        message: `Property named '${name}' already exists.`,
        category: 'OBJECT_ALREADY_EXISTS',
        subCategory: 'PropertyCreateError.PROPERTY_EXISTS',
        context: { name: [name] },
      });
    }
    const kinds = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'];
    if (!input.type || !kinds.includes(input.type) || !input.label || !input.groupName || !input.fieldType) {
      throw new HubSpotHttpError(400, {
        message: 'Property definition requires name, label, type, fieldType and groupName',
        category: 'VALIDATION_ERROR',
      });
    }
    if (!VALID_FIELD_TYPES[input.type].includes(input.fieldType)) {
      throw new HubSpotHttpError(400, {
        message: `fieldType '${input.fieldType}' is not valid for a property of type '${input.type}'; valid: ${VALID_FIELD_TYPES[input.type].join(', ')}`,
        category: 'VALIDATION_ERROR',
        subCategory: 'PropertyValidationError.INVALID_FIELD_TYPE',
        context: { type: [input.type], fieldType: [input.fieldType] },
      });
    }
    if (!this.#groups.get(type)?.has(input.groupName)) {
      throw new HubSpotHttpError(400, {
        message: `Property group '${input.groupName}' does not exist`,
        category: 'VALIDATION_ERROR',
        subCategory: 'PropertyValidationError.INVALID_PROPERTY_GROUP',
      });
    }
    const property: HubSpotProperty = {
      ...this.#define(
        type,
        name,
        input.type,
        (input.options ?? []).map((o) => o.value),
        false,
        false,
        input.groupName,
      ),
      label: input.label,
      fieldType: input.fieldType,
      description: input.description ?? '',
      hasUniqueValue: input.hasUniqueValue ?? false,
      hidden: input.hidden ?? false,
      formField: input.formField ?? false,
      createdAt: nowIso,
      updatedAt: nowIso,
    };
    if (input.options) {
      property.options = input.options.map((o, i) => ({
        label: o.label,
        value: o.value,
        displayOrder: o.displayOrder ?? i,
        hidden: o.hidden ?? false,
      }));
    }
    this.#properties.get(type)!.set(name, property);
    return property;
  }

  groups(type: HubSpotObjectType): HubSpotPropertyGroup[] {
    return [...(this.#groups.get(type)?.values() ?? [])];
  }

  group(type: HubSpotObjectType, name: string): HubSpotPropertyGroup | undefined {
    return this.#groups.get(type)?.get(name);
  }

  createGroup(
    type: HubSpotObjectType,
    input: { name?: string; label?: string; displayOrder?: number },
  ): HubSpotPropertyGroup {
    const name = input.name ?? '';
    if (!/^[a-z][a-z0-9_]*$/.test(name) || !input.label) {
      throw new HubSpotHttpError(400, {
        message: 'Property group requires a valid name and a label',
        category: 'VALIDATION_ERROR',
      });
    }
    if (this.group(type, name)) {
      throw new HubSpotHttpError(409, {
        message: `A property group named '${name}' already exists.`,
        category: 'OBJECT_ALREADY_EXISTS',
        subCategory: 'PropertyGroupError.GROUP_EXISTS',
      });
    }
    const group = { name, label: input.label, displayOrder: input.displayOrder ?? -1, archived: false };
    this.#groups.get(type)!.set(name, group);
    return group;
  }

  /** Names in `values` that are not properties of the type (the caller fails the whole request). */
  unknownNames(type: HubSpotObjectType, values: Record<string, unknown>): string[] {
    const props = this.#properties.get(type);
    return Object.keys(values).filter((name) => !props?.has(name));
  }

  /**
   * Validate and normalise written values to HubSpot's string form. Returns the normalised values
   * or the first problem (which fails that record only).
   */
  normalize(
    type: HubSpotObjectType,
    values: Record<string, unknown>,
  ):
    | { ok: true; values: Record<string, string | null> }
    | { ok: false; message: string; propertyName: string } {
    const out: Record<string, string | null> = {};
    for (const [name, raw] of Object.entries(values)) {
      const def = this.get(type, name);
      if (!def) return { ok: false, message: `Property "${name}" does not exist`, propertyName: name };
      if (def.modificationMetadata.readOnlyValue) {
        return {
          ok: false,
          message: `"${name}" is a read only property; its value cannot be set.`,
          propertyName: name,
        };
      }
      const result = normalizeValue(def, raw);
      if (!result.ok) return { ok: false, message: result.message, propertyName: name };
      out[name] = result.value;
    }
    return { ok: true, values: out };
  }
}

function normalizeValue(
  def: HubSpotProperty,
  raw: unknown,
): { ok: true; value: string | null } | { ok: false; message: string } {
  if (raw === null || raw === undefined || raw === '') return { ok: true, value: null };
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { ok: false, message: `${JSON.stringify(raw)} is not a valid value for property ${def.name}` };
  }
  const text = String(raw).trim();
  const bad = {
    ok: false as const,
    message: `${JSON.stringify(raw)} was not a valid ${def.type} for property ${def.name}`,
  };
  switch (def.type) {
    case 'number':
      return Number.isFinite(Number(text)) ? { ok: true, value: text } : bad;
    case 'bool':
      return text === 'true' || text === 'false' ? { ok: true, value: text } : bad;
    case 'date':
    case 'datetime': {
      const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
      return Number.isFinite(ms) ? { ok: true, value: new Date(ms).toISOString() } : bad;
    }
    case 'enumeration': {
      if (def.options.length === 0) return { ok: true, value: text };
      const allowed = new Set(def.options.map((o) => o.value));
      const parts = def.fieldType === 'checkbox' ? text.split(';') : [text];
      return parts.every((p) => allowed.has(p))
        ? { ok: true, value: text }
        : {
            ok: false,
            message: `${JSON.stringify(raw)} was not one of the allowed options: [${[...allowed].slice(0, 20).join(', ')}] for property ${def.name}`,
          };
    }
    default:
      return { ok: true, value: text };
  }
}

function label(name: string): string {
  return name
    .replace(/^hs_/, '')
    .split('_')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}
