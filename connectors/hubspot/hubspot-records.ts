import { z } from 'zod';
import {
  type Account,
  type Activity,
  type ActivityType,
  type Contact,
  type DealContact,
  IsoDateTimeSchema,
  type Deal,
  DealSchema,
  type Owner,
  type Pipeline,
  type Stage,
  type Target,
  type FieldChange,
  type StageChange,
} from '../../src/domain/index.ts';

/**
 * Raw HubSpot records as the SDK hands them over (it turns timestamps into Date objects), validated
 * with zod before mapping. Every field HubSpot may omit is optional here.
 */
const TimeSchema = z.union([z.date(), z.string(), z.number()]).transform((value, ctx) => {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${String(value)}` });
    return z.NEVER;
  }
  return d.toISOString();
});

const VersionSchema = z.object({ value: z.string().nullable().optional(), timestamp: TimeSchema });

export const RawObjectSchema = z.object({
  id: z.string().min(1),
  properties: z.record(z.string(), z.string().nullable().optional()),
  propertiesWithHistory: z.record(z.string(), z.array(VersionSchema)).optional(),
  createdAt: TimeSchema.optional(),
  updatedAt: TimeSchema.optional(),
  archived: z.boolean().optional(),
  archivedAt: TimeSchema.optional().nullable(),
});
export type RawObject = z.infer<typeof RawObjectSchema>;

/** Deal properties the connector reads. */
export const DEAL_PROPERTIES = [
  'dealname',
  'dealstage',
  'pipeline',
  'amount',
  'deal_currency_code',
  'closedate',
  'createdate',
  'hs_lastmodifieddate',
  'hubspot_owner_id',
  'hs_next_step',
  // Recalculated by HubSpot on every contact association change (see hubspot-known-deal.ts).
  'num_associated_contacts',
] as const;
/**
 * Deal properties read with their history (stage entries, close-date and amount changes; when the
 * contact count last changed).
 */
export const DEAL_HISTORY_PROPERTIES = [
  'dealstage',
  'closedate',
  'amount',
  'hs_next_step',
  'num_associated_contacts',
] as const;

export const ENGAGEMENT_OBJECTS = ['emails', 'calls', 'meetings', 'notes', 'tasks'] as const;
export type EngagementObject = (typeof ENGAGEMENT_OBJECTS)[number];

export const ENGAGEMENT_PROPERTIES: Record<EngagementObject, string[]> = {
  emails: ['hs_timestamp', 'hubspot_owner_id', 'hs_email_direction', 'hs_email_subject', 'hs_email_text'],
  calls: [
    'hs_timestamp',
    'hubspot_owner_id',
    'hs_call_direction',
    'hs_call_status',
    'hs_call_duration',
    'hs_call_disposition',
    'hs_call_body',
  ],
  meetings: [
    'hs_timestamp',
    'hubspot_owner_id',
    'hs_meeting_start_time',
    'hs_meeting_end_time',
    'hs_meeting_outcome',
    'hs_meeting_body',
  ],
  notes: ['hs_timestamp', 'hubspot_owner_id', 'hs_note_body'],
  tasks: ['hs_timestamp', 'hubspot_owner_id', 'hs_task_status', 'hs_task_body', 'hs_task_subject'],
};

export const CONTACT_PROPERTIES = ['firstname', 'lastname', 'email', 'jobtitle', 'associatedcompanyid'];
export const COMPANY_PROPERTIES = ['name', 'industry', 'numberofemployees', 'annualrevenue'];

/** A record that could not be mapped: the reason, for the page's quarantine list. */
export class MappingError extends Error {}

function prop(raw: RawObject, name: string): string | null {
  const value = raw.properties[name];
  return value === undefined || value === null || value === '' ? null : value;
}

function isoTime(value: string | null, what: string): string {
  if (value === null) throw new MappingError(`${what} is missing`);
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw new MappingError(`${what} is not a timestamp: ${value}`);
  return new Date(ms).toISOString();
}

function optionalIsoTime(value: string | null, what: string): string | null {
  return value === null ? null : isoTime(value, what);
}

function optionalNumber(value: string | null, what: string): number | null {
  if (value === null) return null;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new MappingError(`${what} is not a number: ${value}`);
  return n;
}

/** Versions oldest first (HubSpot lists them newest first). */
function history(raw: RawObject, name: string): { value: string | null; at: string }[] {
  const versions = raw.propertiesWithHistory?.[name] ?? [];
  return versions
    .map((v) => ({ value: v.value === undefined || v.value === '' ? null : v.value, at: v.timestamp }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function changes(raw: RawObject, name: string): FieldChange[] {
  const out: FieldChange[] = [];
  let previous: string | null = null;
  for (const v of history(raw, name)) {
    if (out.length > 0 && v.value === previous) continue;
    out.push({ at: v.at, from: previous, to: v.value });
    previous = v.value;
  }
  return out;
}

export interface StageIndex {
  /** pipelineId -> stageId -> stage */
  byPipeline: Map<string, Map<string, Stage>>;
}

export function stageIndex(pipelines: Pipeline[]): StageIndex {
  return { byPipeline: new Map(pipelines.map((p) => [p.id, new Map(p.stages.map((s) => [s.id, s]))])) };
}

export interface DealLinks {
  contacts: DealContact[];
  accountId: string | null;
}

/** Map a deal; throws MappingError (quarantine) when it cannot be trusted. */
export function mapDeal(
  raw: RawObject,
  stages: StageIndex,
  links: DealLinks,
  extraProperties: readonly string[] = [],
): Deal {
  const pipelineId = prop(raw, 'pipeline');
  const stageId = prop(raw, 'dealstage');
  if (pipelineId === null) throw new MappingError('pipeline is missing');
  if (stageId === null) throw new MappingError('dealstage is missing');
  const pipelineStages = stages.byPipeline.get(pipelineId);
  if (pipelineStages === undefined) throw new MappingError(`pipeline ${pipelineId} is unknown`);
  const stage = pipelineStages.get(stageId);
  // A stage deleted after the deal entered it: we cannot tell open from closed, so do not guess.
  if (stage === undefined) throw new MappingError(`stage ${stageId} is not in pipeline ${pipelineId}`);

  let stageHistory: StageChange[] = [];
  let last: string | null = null;
  for (const v of history(raw, 'dealstage')) {
    if (v.value === null || v.value === last) continue;
    stageHistory.push({ stageId: v.value, enteredAt: v.at });
    last = v.value;
  }
  if (stageHistory.length === 0) {
    // Without history, fall back to hs_date_entered_<stageId> (last entry per stage).
    stageHistory = Object.entries(raw.properties)
      .filter(([k, v]) => k.startsWith('hs_date_entered_') && typeof v === 'string' && v !== '')
      .map(([k, v]) => ({ stageId: k.slice('hs_date_entered_'.length), enteredAt: isoTime(v ?? null, k) }))
      .sort((a, b) => Date.parse(a.enteredAt) - Date.parse(b.enteredAt));
  }
  const createdAt = isoTime(prop(raw, 'createdate') ?? raw.createdAt ?? null, 'createdate');
  const updatedAt = isoTime(prop(raw, 'hs_lastmodifieddate') ?? raw.updatedAt ?? null, 'hs_lastmodifieddate');
  const closeDateTime = optionalIsoTime(prop(raw, 'closedate'), 'closedate');
  const lastStage = stageHistory[stageHistory.length - 1];
  const closedAt = stage.isClosed
    ? lastStage?.stageId === stageId
      ? lastStage.enteredAt
      : (closeDateTime ?? updatedAt)
    : null;
  const nextStepVersions = history(raw, 'hs_next_step');
  const deal: Deal = {
    id: raw.id,
    name: prop(raw, 'dealname') ?? '',
    pipelineId,
    stageId,
    isClosed: stage.isClosed,
    isWon: stage.isWon,
    amount: optionalNumber(prop(raw, 'amount'), 'amount'),
    currency: prop(raw, 'deal_currency_code'),
    closeDate: closeDateTime === null ? null : closeDateTime.slice(0, 10),
    createdAt,
    updatedAt,
    closedAt,
    ownerId: prop(raw, 'hubspot_owner_id'),
    accountId: links.accountId,
    nextStep: prop(raw, 'hs_next_step'),
    nextStepUpdatedAt: nextStepVersions[nextStepVersions.length - 1]?.at ?? null,
    contacts: links.contacts,
    stageHistory,
    closeDateChanges: changes(raw, 'closedate'),
    amountChanges: changes(raw, 'amount'),
    // HubSpot returns every property as a string (or null); the scoring engine reads booleans,
    // numbers and picklists from strings itself.
    fields: Object.fromEntries(extraProperties.map((name) => [name, prop(raw, name)])),
  };
  const checked = DealSchema.safeParse(deal);
  if (!checked.success)
    throw new MappingError(checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return checked.data;
}

const TYPE_OF: Record<EngagementObject, ActivityType> = {
  emails: 'email',
  calls: 'call',
  meetings: 'meeting',
  notes: 'note',
  tasks: 'task',
};

const CALL_OUTCOME: Record<string, Activity['callOutcome']> = {
  COMPLETED: 'connected',
  NO_ANSWER: 'no_answer',
  BUSY: 'busy',
  FAILED: 'failed',
  CANCELED: 'failed',
};
/** HubSpot's standard "Left voicemail" call disposition (the same GUID in every portal). */
const LEFT_VOICEMAIL = 'b2cf5968-551e-4856-9783-52b3da59a7d0';

const MEETING_OUTCOME: Record<string, NonNullable<Activity['meetingOutcome']>> = {
  SCHEDULED: 'scheduled',
  COMPLETED: 'completed',
  RESCHEDULED: 'rescheduled',
  NO_SHOW: 'no_show',
  // Both spellings appear in HubSpot material; accept either.
  CANCELED: 'canceled',
  CANCELLED: 'canceled',
};

function bodyLength(raw: RawObject, object: EngagementObject): number {
  const name = {
    emails: 'hs_email_text',
    calls: 'hs_call_body',
    meetings: 'hs_meeting_body',
    notes: 'hs_note_body',
    tasks: 'hs_task_body',
  }[object];
  return prop(raw, name)?.length ?? 0;
}

/** Map an engagement; `dealIds`/`contactIds` come from association reads. */
export function mapActivity(
  raw: RawObject,
  object: EngagementObject,
  dealIds: string[],
  contactIds: string[],
): Activity {
  const type = TYPE_OF[object];
  const timestamp =
    object === 'meetings'
      ? (prop(raw, 'hs_meeting_start_time') ?? prop(raw, 'hs_timestamp'))
      : prop(raw, 'hs_timestamp');
  const activity: Activity = {
    id: raw.id,
    type,
    dealIds,
    occurredAt: isoTime(timestamp, 'hs_timestamp'),
    direction: null,
    ownerId: prop(raw, 'hubspot_owner_id'),
    contactIds,
    isReply: null,
    callOutcome: null,
    durationSeconds: null,
    meetingOutcome: null,
    dueAt: null,
    taskStatus: null,
    bodyLength: bodyLength(raw, object),
  };
  if (object === 'emails') {
    const dir = prop(raw, 'hs_email_direction');
    activity.direction =
      dir === 'INCOMING_EMAIL' ? 'inbound' : dir === 'EMAIL' || dir === 'FORWARDED_EMAIL' ? 'outbound' : null;
    // HubSpot has no reply flag on the email object; a "Re:" subject is the closest signal.
    activity.isReply = /^\s*re\s*:/i.test(prop(raw, 'hs_email_subject') ?? '');
  } else if (object === 'calls') {
    const dir = prop(raw, 'hs_call_direction');
    activity.direction = dir === 'INBOUND' ? 'inbound' : dir === 'OUTBOUND' ? 'outbound' : null;
    const status = prop(raw, 'hs_call_status');
    activity.callOutcome =
      prop(raw, 'hs_call_disposition') === LEFT_VOICEMAIL
        ? 'left_voicemail'
        : status === null
          ? 'unknown'
          : (CALL_OUTCOME[status] ?? 'unknown');
    // HubSpot stores call duration in milliseconds.
    const ms = optionalNumber(prop(raw, 'hs_call_duration'), 'hs_call_duration');
    activity.durationSeconds = ms === null ? null : Math.max(0, Math.round(ms / 1000));
  } else if (object === 'meetings') {
    const outcome = prop(raw, 'hs_meeting_outcome');
    activity.meetingOutcome = outcome === null ? null : (MEETING_OUTCOME[outcome.toUpperCase()] ?? null);
    activity.dueAt = optionalIsoTime(prop(raw, 'hs_meeting_end_time'), 'hs_meeting_end_time');
    const start = optionalIsoTime(prop(raw, 'hs_meeting_start_time'), 'hs_meeting_start_time');
    const end = activity.dueAt;
    if (start !== null && end !== null)
      activity.durationSeconds = Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000);
  } else if (object === 'tasks') {
    const status = prop(raw, 'hs_task_status');
    activity.taskStatus = status === 'COMPLETED' ? 'completed' : status === null ? null : 'open';
    // For tasks hs_timestamp is the due date.
    activity.dueAt = activity.occurredAt;
  }
  if (IsoDateTimeSchema.safeParse(activity.occurredAt).success === false)
    throw new MappingError('bad occurredAt');
  return activity;
}

export function mapContact(raw: RawObject, accountId: string | null): Contact {
  const name = [prop(raw, 'firstname'), prop(raw, 'lastname')].filter((p) => p !== null).join(' ');
  return {
    id: raw.id,
    name: name === '' ? null : name,
    email: prop(raw, 'email'),
    title: prop(raw, 'jobtitle'),
    accountId: accountId ?? prop(raw, 'associatedcompanyid'),
  };
}

export function mapCompany(raw: RawObject): Account {
  const employees = optionalNumber(prop(raw, 'numberofemployees'), 'numberofemployees');
  const revenue = optionalNumber(prop(raw, 'annualrevenue'), 'annualrevenue');
  return {
    id: raw.id,
    name: prop(raw, 'name') ?? '',
    industry: prop(raw, 'industry'),
    employees: employees === null || employees < 0 ? null : Math.round(employees),
    annualRevenue: revenue === null || revenue < 0 ? null : revenue,
  };
}

const RawStageSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  displayOrder: z.number(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const RawPipelineSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  stages: z.array(RawStageSchema).min(1),
});

function metaString(meta: Record<string, unknown> | undefined, key: string): string | null {
  const v = meta?.[key];
  return v === undefined || v === null ? null : String(v);
}

/** Map a deal pipeline; stage `metadata.isClosed` and `probability` decide closed/won. */
export function mapPipeline(input: unknown): Pipeline {
  const raw = RawPipelineSchema.parse(input);
  const sorted = [...raw.stages].sort((a, b) => a.displayOrder - b.displayOrder);
  return {
    id: raw.id,
    label: raw.label,
    stages: sorted.map((s, order) => {
      const isClosed = metaString(s.metadata, 'isClosed') === 'true';
      const p = Number(metaString(s.metadata, 'probability'));
      const probability = Number.isFinite(p) && p >= 0 && p <= 1 ? p : null;
      return { id: s.id, label: s.label, order, isClosed, isWon: isClosed && probability === 1, probability };
    }),
  };
}

const RawOwnerSchema = z.object({
  id: z.string().min(1),
  email: z.string().nullable().optional(),
  firstName: z.string().nullable().optional(),
  lastName: z.string().nullable().optional(),
  userId: z.number().nullable().optional(),
  /** Kept for deactivated users, whose `userId` is gone. */
  userIdIncludingInactive: z.number().nullable().optional(),
  /** True for deactivated users (listed with `archived=true`). */
  archived: z.boolean().nullable().optional(),
  teams: z
    .array(z.object({ name: z.string().optional(), primary: z.boolean().optional() }))
    .nullable()
    .optional(),
});

export function mapOwner(input: unknown): { owner: Owner; userId: string | null } {
  const raw = RawOwnerSchema.parse(input);
  const teams = raw.teams ?? [];
  const team = teams.find((t) => t.primary)?.name ?? teams[0]?.name ?? null;
  const name = [raw.firstName, raw.lastName].filter((p) => p).join(' ');
  const userId = raw.userId ?? raw.userIdIncludingInactive ?? null;
  return {
    owner: {
      id: raw.id,
      name: name === '' ? (raw.email ?? raw.id) : name,
      email: raw.email ?? null,
      team,
      ...(raw.archived === true ? { active: false } : {}),
    },
    userId: userId === null ? null : String(userId),
  };
}

/** Map a goal target; goals name users, so `ownerByUser` turns the assignee into an owner. */
export function mapGoalTarget(raw: RawObject, ownerByUser: Map<string, string>): Target {
  const amount = optionalNumber(prop(raw, 'hs_target_amount'), 'hs_target_amount');
  if (amount === null || amount < 0) throw new MappingError('hs_target_amount is missing or negative');
  const start = isoTime(prop(raw, 'hs_start_datetime'), 'hs_start_datetime');
  const end = isoTime(prop(raw, 'hs_end_datetime'), 'hs_end_datetime');
  const user = prop(raw, 'hs_assignee_user_id');
  return {
    ownerId: user === null ? null : (ownerByUser.get(user) ?? null),
    periodStart: start.slice(0, 10),
    periodEnd: end.slice(0, 10),
    amount,
  };
}

export const GOAL_PROPERTIES = [
  'hs_target_amount',
  'hs_start_datetime',
  'hs_end_datetime',
  'hs_assignee_user_id',
  'hs_kpi_display_name',
];
