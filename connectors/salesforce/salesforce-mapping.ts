import type { z } from 'zod';
import {
  type Account,
  AccountSchema,
  type Activity,
  ActivitySchema,
  type Contact,
  ContactSchema,
  type DealContact,
  type Deal,
  DealSchema,
  type FieldValue,
  FieldValueSchema,
  type QuarantinedRecord,
  type FieldChange,
  type StageChange,
} from '../../src/domain/index.ts';
import { CONTACT_KEY_PREFIX, OPPORTUNITY_KEY_PREFIX, SALESFORCE_PIPELINE_ID } from './salesforce-limits.ts';
import {
  describeIssues,
  type RawContactRole,
  type RawEmail,
  type RawEvent,
  type RawFieldHistory,
  type RawHistory,
  RawAccountSchema,
  RawContactSchema,
  RawOpportunitySchema,
  type RawTask,
} from './salesforce-records.ts';

/** Valid records of one kind plus the ones that failed their schema. */
export interface Parsed<T> {
  valid: T[];
  quarantined: QuarantinedRecord[];
}

function recordIdOf(raw: Record<string, unknown>): string | null {
  return typeof raw.Id === 'string' ? raw.Id : null;
}

function quarantine(
  objectType: string,
  raw: Record<string, unknown>,
  reason: string,
  at: string,
): QuarantinedRecord {
  const { attributes: _ignored, ...rest } = raw;
  return { objectType, recordId: recordIdOf(raw), reason, raw: rest, at };
}

/** Validate raw records; the ones that fail are quarantined with the schema's reasons, never dropped. */
export function parseRecords<S extends z.ZodType>(
  objectType: string,
  schema: S,
  records: Record<string, unknown>[],
  at: string,
): Parsed<z.infer<S>> {
  const out: Parsed<z.infer<S>> = { valid: [], quarantined: [] };
  for (const raw of records) {
    const parsed = schema.safeParse(raw);
    if (parsed.success) out.valid.push(parsed.data);
    else out.quarantined.push(quarantine(objectType, raw, describeIssues(parsed.error), at));
  }
  return out;
}

function byTime<T extends { CreatedDate: string; Id: string }>(a: T, b: T): number {
  return a.CreatedDate === b.CreatedDate ? (a.Id < b.Id ? -1 : 1) : a.CreatedDate < b.CreatedDate ? -1 : 1;
}

/** Field changes from field history when tracked; otherwise from OpportunityHistory snapshots. */
function fieldChanges(
  field: 'CloseDate' | 'Amount',
  fieldHistory: RawFieldHistory[],
  history: RawHistory[],
): FieldChange[] {
  const tracked = fieldHistory.filter((h) => h.Field === field);
  if (tracked.length > 0)
    return tracked.map((h) => ({ at: h.CreatedDate, from: h.OldValue, to: h.NewValue }));
  const changes: FieldChange[] = [];
  let previous: string | null | undefined;
  for (const h of history) {
    const value = h[field] === null ? null : String(h[field]);
    if (previous !== undefined && value !== previous)
      changes.push({ at: h.CreatedDate, from: previous, to: value });
    previous = value;
  }
  return changes;
}

function stageHistoryOf(
  opp: z.infer<typeof RawOpportunitySchema>,
  history: RawHistory[],
  fieldHistory: RawFieldHistory[],
): StageChange[] {
  const entries: StageChange[] = [];
  for (const h of history) {
    if (h.StageName === null || entries.at(-1)?.stageId === h.StageName) continue;
    entries.push({ stageId: h.StageName, enteredAt: h.CreatedDate });
  }
  if (entries.length === 0) {
    // No OpportunityHistory (not readable in some orgs): fall back to field history of StageName.
    const stageRows = fieldHistory.filter((h) => h.Field === 'StageName');
    const first = stageRows[0]?.OldValue;
    if (first !== undefined && first !== null) entries.push({ stageId: first, enteredAt: opp.CreatedDate });
    for (const h of stageRows) {
      if (h.NewValue !== null && entries.at(-1)?.stageId !== h.NewValue)
        entries.push({ stageId: h.NewValue, enteredAt: h.CreatedDate });
    }
  }
  if (entries.length === 0) entries.push({ stageId: opp.StageName, enteredAt: opp.CreatedDate });
  if (entries.at(-1)?.stageId !== opp.StageName)
    entries.push({ stageId: opp.StageName, enteredAt: opp.LastModifiedDate });
  return entries;
}

export interface DealRelated {
  history: RawHistory[];
  fieldHistory: RawFieldHistory[];
  roles: RawContactRole[];
}

export interface DealMappingContext {
  /** Stage API names the org knows; null when they could not be read (then any stage passes). */
  knownStages: ReadonlySet<string> | null;
  extraFields: readonly string[];
  at: string;
}

/** One Opportunity and its related rows → a Deal, or a quarantined record saying why not. */
export function mapOpportunity(
  raw: Record<string, unknown>,
  related: DealRelated,
  ctx: DealMappingContext,
): { deal: Deal } | { quarantined: QuarantinedRecord } {
  const parsed = RawOpportunitySchema.safeParse(raw);
  if (!parsed.success)
    return { quarantined: quarantine('Opportunity', raw, describeIssues(parsed.error), ctx.at) };
  const opp = parsed.data;
  if (ctx.knownStages !== null && !ctx.knownStages.has(opp.StageName)) {
    return {
      quarantined: quarantine(
        'Opportunity',
        raw,
        `StageName '${opp.StageName}' is not an OpportunityStage of the org (deleted or renamed stage)`,
        ctx.at,
      ),
    };
  }
  const fields: Record<string, FieldValue> = {};
  for (const name of ctx.extraFields) {
    const value = FieldValueSchema.safeParse(raw[name] ?? null);
    if (!value.success) {
      return {
        quarantined: quarantine('Opportunity', raw, `${name}: not a text, number or boolean value`, ctx.at),
      };
    }
    fields[name] = value.data;
  }
  const history = [...related.history].sort(byTime);
  const fieldHistory = [...related.fieldHistory].sort(byTime);
  const stageHistory = stageHistoryOf(opp, history, fieldHistory);
  const nextStepRows = fieldHistory.filter((h) => h.Field === 'NextStep');
  const contacts: DealContact[] = related.roles.map((r) => ({
    contactId: r.ContactId,
    role: r.Role,
    isPrimary: r.IsPrimary,
  }));
  const candidate: Deal = {
    id: opp.Id,
    name: opp.Name,
    pipelineId: SALESFORCE_PIPELINE_ID,
    stageId: opp.StageName,
    isClosed: opp.IsClosed,
    isWon: opp.IsWon,
    amount: opp.Amount,
    currency: null,
    closeDate: opp.CloseDate,
    createdAt: opp.CreatedDate,
    updatedAt: opp.LastModifiedDate,
    closedAt: opp.IsClosed ? (stageHistory.at(-1)?.enteredAt ?? opp.LastModifiedDate) : null,
    ownerId: opp.OwnerId,
    accountId: opp.AccountId,
    nextStep: opp.NextStep,
    nextStepUpdatedAt: opp.NextStep === null ? null : (nextStepRows.at(-1)?.CreatedDate ?? null),
    contacts,
    stageHistory,
    closeDateChanges: fieldChanges('CloseDate', fieldHistory, history),
    amountChanges: fieldChanges('Amount', fieldHistory, history),
    fields,
  };
  const checked = DealSchema.safeParse(candidate);
  if (!checked.success)
    return { quarantined: quarantine('Opportunity', raw, describeIssues(checked.error), ctx.at) };
  return { deal: checked.data };
}

const CALL_OUTCOMES: Record<string, Activity['callOutcome']> = {
  connected: 'connected',
  completed: 'connected',
  'no answer': 'no_answer',
  busy: 'busy',
  'left voicemail': 'left_voicemail',
  voicemail: 'left_voicemail',
  failed: 'failed',
};

const MEETING_OUTCOMES: Record<string, Activity['meetingOutcome']> = {
  scheduled: 'scheduled',
  completed: 'completed',
  held: 'completed',
  rescheduled: 'rescheduled',
  'no show': 'no_show',
  'no-show': 'no_show',
  no_show: 'no_show',
  canceled: 'canceled',
  cancelled: 'canceled',
};

const REPLY_SUBJECT = /^(email:\s*)?(re|aw|sv|antw)\s*:/i;

function dealIdsOf(id: string | null): string[] {
  return id?.startsWith(OPPORTUNITY_KEY_PREFIX) === true ? [id] : [];
}

function contactIdsOf(ids: (string | null)[]): string[] {
  return [...new Set(ids.filter((id): id is string => id?.startsWith(CONTACT_KEY_PREFIX) === true))];
}

export interface ActivityInput {
  tasks: RawTask[];
  events: RawEvent[];
  emails: RawEmail[];
  /** EventRelation RelationIds by EventId (attendees). */
  attendees: ReadonlyMap<string, string[]>;
  /** Raw event records by id, to read the meeting outcome field when one is configured. */
  eventOutcomes: ReadonlyMap<string, unknown>;
  /** Now, to call meetings without an outcome field scheduled (future) or completed (past). */
  now: Date;
  at: string;
}

function taskActivity(task: RawTask): Activity {
  const subtype = (task.TaskSubtype ?? '').toLowerCase();
  const kind = (task.Type ?? '').toLowerCase();
  const type: Activity['type'] =
    subtype === 'email' || subtype === 'listemail'
      ? 'email'
      : subtype === 'call' || kind === 'call'
        ? 'call'
        : kind === 'other' && task.IsClosed
          ? 'note'
          : 'task';
  const direction =
    type === 'call'
      ? task.CallType === 'Inbound'
        ? 'inbound'
        : task.CallType === 'Outbound'
          ? 'outbound'
          : null
      : null;
  return {
    id: task.Id,
    type,
    dealIds: dealIdsOf(task.WhatId),
    occurredAt: task.CreatedDate,
    direction,
    ownerId: task.OwnerId,
    contactIds: contactIdsOf([task.WhoId]),
    isReply: type === 'email' ? REPLY_SUBJECT.test(task.Subject ?? '') : null,
    callOutcome:
      type === 'call'
        ? (CALL_OUTCOMES[(task.CallDisposition ?? '').trim().toLowerCase()] ?? 'unknown')
        : null,
    durationSeconds: type === 'call' ? task.CallDurationInSeconds : null,
    meetingOutcome: null,
    dueAt: type === 'task' && task.ActivityDate !== null ? `${task.ActivityDate}T00:00:00.000Z` : null,
    taskStatus: type === 'task' ? (task.IsClosed ? 'completed' : 'open') : null,
    bodyLength: task.Description?.length ?? 0,
  };
}

function emailActivity(email: RawEmail, task: RawTask | undefined): Activity {
  const subject = email.Subject ?? task?.Subject ?? '';
  return {
    // The email's Task id when it has one, so the same email keeps one id however it was reached.
    id: task?.Id ?? email.ActivityId ?? email.Id,
    type: 'email',
    dealIds: dealIdsOf(email.RelatedToId ?? task?.WhatId ?? null),
    occurredAt: email.MessageDate ?? email.CreatedDate,
    direction: email.Incoming ? 'inbound' : 'outbound',
    ownerId: task?.OwnerId ?? null,
    contactIds: contactIdsOf([task?.WhoId ?? null]),
    isReply: REPLY_SUBJECT.test(subject),
    callOutcome: null,
    durationSeconds: null,
    meetingOutcome: null,
    dueAt: null,
    taskStatus: null,
    bodyLength: email.TextBody?.length ?? task?.Description?.length ?? 0,
  };
}

function eventActivity(event: RawEvent, attendees: string[], outcome: unknown, now: Date): Activity {
  const mapped = typeof outcome === 'string' ? MEETING_OUTCOMES[outcome.trim().toLowerCase()] : undefined;
  return {
    id: event.Id,
    type: 'meeting',
    dealIds: dealIdsOf(event.WhatId),
    occurredAt: event.StartDateTime,
    direction: null,
    ownerId: event.OwnerId,
    contactIds: contactIdsOf([event.WhoId, ...attendees]),
    isReply: null,
    callOutcome: null,
    durationSeconds: event.DurationInMinutes === null ? null : event.DurationInMinutes * 60,
    meetingOutcome: mapped ?? (Date.parse(event.StartDateTime) > now.getTime() ? 'scheduled' : 'completed'),
    dueAt: event.EndDateTime,
    taskStatus: null,
    bodyLength: event.Description?.length ?? 0,
  };
}

/**
 * Tasks, Events and EmailMessages → activities. An EmailMessage and the Task Salesforce keeps for
 * it are one email (the message knows the direction, the task the contact and owner). Tasks that
 * carry an alert key are our own alert tasks and are left out: scoring must not count them as
 * the rep's planning.
 */
export function buildActivities(input: ActivityInput): {
  activities: Activity[];
  quarantined: QuarantinedRecord[];
} {
  const activities: Activity[] = [];
  const quarantined: QuarantinedRecord[] = [];
  const push = (activity: Activity, objectType: string, raw: unknown) => {
    const checked = ActivitySchema.safeParse(activity);
    if (checked.success) activities.push(checked.data);
    else
      quarantined.push(
        quarantine(objectType, raw as Record<string, unknown>, describeIssues(checked.error), input.at),
      );
  };
  const tasksById = new Map(input.tasks.map((t) => [t.Id, t]));
  const emailTaskIds = new Set<string>();
  for (const email of input.emails) {
    const task = email.ActivityId === null ? undefined : tasksById.get(email.ActivityId);
    if (email.ActivityId !== null) emailTaskIds.add(email.ActivityId);
    push(emailActivity(email, task), 'EmailMessage', email);
  }
  for (const task of input.tasks) {
    if (emailTaskIds.has(task.Id) || task.PH_Alert_Key__c !== null) continue;
    push(taskActivity(task), 'Task', task);
  }
  for (const event of input.events) {
    push(
      eventActivity(event, input.attendees.get(event.Id) ?? [], input.eventOutcomes.get(event.Id), input.now),
      'Event',
      event,
    );
  }
  return { activities, quarantined };
}

export function mapAccounts(records: Record<string, unknown>[], at: string): Parsed<Account> {
  const parsed = parseRecords('Account', RawAccountSchema, records, at);
  return {
    valid: parsed.valid.map((a) =>
      AccountSchema.parse({
        id: a.Id,
        name: a.Name,
        industry: a.Industry,
        employees: a.NumberOfEmployees,
        annualRevenue: a.AnnualRevenue,
      }),
    ),
    quarantined: parsed.quarantined,
  };
}

export function mapContacts(records: Record<string, unknown>[], at: string): Parsed<Contact> {
  const parsed = parseRecords('Contact', RawContactSchema, records, at);
  return {
    valid: parsed.valid.map((c) =>
      ContactSchema.parse({ id: c.Id, name: c.Name, email: c.Email, title: c.Title, accountId: c.AccountId }),
    ),
    quarantined: parsed.quarantined,
  };
}
