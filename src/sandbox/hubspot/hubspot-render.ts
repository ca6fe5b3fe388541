import type {
  SandboxWorld,
  WorldActivity,
  WorldCompany,
  WorldContact,
  WorldDeal,
  WorldTarget,
} from '../world.ts';
import { OWNER_ID_OFFSET, recordId, USER_ID_OFFSET } from './hubspot-object-types.ts';

/** One property version as `propertiesWithHistory` returns it (newest first). */
export interface PropertyVersion {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** A world record rendered into HubSpot's shape, before API writes are applied. */
export interface RenderedBase {
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
}

const DAY = 86_400_000;

/** HubSpot's standard call dispositions (GUIDs are the same in every portal). */
const DISPOSITIONS: Record<string, string> = {
  COMPLETED: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  NO_ANSWER: '73a0d17f-1163-4015-bdd5-ec830791da20',
  BUSY: '9d9162e7-6cf3-4944-bf63-4dff82258764',
  FAILED: '17b47fee-58de-441e-a44c-c6300d46f273',
};

const TASK_TYPES = ['TODO', 'CALL', 'EMAIL'] as const;

/** A record without an owner (an imported deal) has no `hubspot_owner_id` value. */
function ownerId(ownerN: number | null): string | null {
  return ownerN === null ? null : String(OWNER_ID_OFFSET + ownerN);
}

/** Renders world entities as HubSpot records. Pure: the store applies writes on top. */
export class HubSpotRenderer {
  readonly #world: SandboxWorld;
  readonly #pipelineIds: Map<string, string>;
  readonly #stageInfo: Map<string, { isClosed: boolean; isWon: boolean }>;
  /** Contacts and companies have no creation time in the world; HubSpot needs one. */
  readonly #accountEpoch: number;

  constructor(world: SandboxWorld, pipelineIds: Map<string, string>) {
    this.#world = world;
    this.#pipelineIds = pipelineIds;
    this.#stageInfo = new Map(
      world.pipelines.flatMap((p) => p.stages.map((s) => [s.key, { isClosed: s.isClosed, isWon: s.isWon }])),
    );
    this.#accountEpoch = Date.parse(world.now) - 800 * DAY;
  }

  stageInfo(stageKey: string): { isClosed: boolean; isWon: boolean } | undefined {
    return this.#stageInfo.get(stageKey);
  }

  deal(d: WorldDeal): RenderedBase {
    const stage = this.#stageInfo.get(d.stageKey);
    const properties: Record<string, string | null> = {
      dealname: d.name,
      dealstage: d.stageKey,
      pipeline: this.#pipelineIds.get(d.pipelineKey) ?? d.pipelineKey,
      amount: d.amount === null ? null : String(d.amount),
      closedate: d.closeDate === null ? null : `${d.closeDate}T00:00:00.000Z`,
      createdate: d.createdAt,
      hs_lastmodifieddate: d.updatedAt,
      hubspot_owner_id: ownerId(d.ownerN),
      hs_next_step: d.nextStep,
      num_associated_contacts: String(new Set(d.contacts.map((c) => c.contactN)).size),
      hs_is_closed: String(stage?.isClosed ?? false),
      hs_is_closed_won: String(stage?.isWon ?? false),
      hs_object_id: recordId('deals', d.n),
    };
    for (const entry of d.stageHistory) properties[`hs_date_entered_${entry.stageKey}`] = entry.enteredAt;
    for (const [name, value] of Object.entries(d.qualification))
      properties[name] = value === null ? null : String(value);
    return { properties, createdAt: d.createdAt, updatedAt: d.updatedAt };
  }

  /** Base history of a deal property from the world (newest first), or null to use the current value. */
  dealHistory(d: WorldDeal, name: string): PropertyVersion[] | null {
    const owner = d.ownerN;
    // Changes by the owner in the UI; a deal without an owner came in by an import.
    const source = (value: string | null, timestamp: string): PropertyVersion =>
      owner === null
        ? { value: value ?? '', timestamp, sourceType: 'IMPORT' }
        : {
            value: value ?? '',
            timestamp,
            sourceType: 'CRM_UI',
            sourceId: `userId:${USER_ID_OFFSET + owner}`,
            updatedByUserId: USER_ID_OFFSET + owner,
          };
    if (name === 'dealstage') return d.stageHistory.map((s) => source(s.stageKey, s.enteredAt)).reverse();
    if (name === 'closedate') {
      return d.closeDateHistory
        .map((c) => source(c.value === null ? null : `${c.value}T00:00:00.000Z`, c.at))
        .reverse();
    }
    if (name === 'amount')
      return d.amountHistory.map((a) => source(a.value === null ? null : String(a.value), a.at)).reverse();
    if (name === 'hs_next_step' && d.nextStepUpdatedAt !== null)
      return [source(d.nextStep, d.nextStepUpdatedAt)];
    return null;
  }

  contact(c: WorldContact): RenderedBase {
    const company = c.companyN === null ? undefined : this.#world.companies[c.companyN - 1];
    const createdAt = new Date(this.#accountEpoch + (c.n % 5000) * 60_000).toISOString();
    return {
      properties: {
        firstname: c.firstName,
        lastname: c.lastName,
        email: c.email,
        jobtitle: c.title,
        company: company?.n === c.companyN ? (company?.name ?? null) : null,
        associatedcompanyid: c.companyN === null ? null : recordId('companies', c.companyN),
        createdate: createdAt,
        lastmodifieddate: createdAt,
        hs_object_id: recordId('contacts', c.n),
      },
      createdAt,
      updatedAt: createdAt,
    };
  }

  company(c: WorldCompany): RenderedBase {
    const createdAt = new Date(this.#accountEpoch + (c.n % 5000) * 60_000).toISOString();
    return {
      properties: {
        name: c.name,
        domain: c.domain,
        industry: c.industry,
        numberofemployees: c.employees === null ? null : String(c.employees),
        annualrevenue: c.annualRevenue === null ? null : String(c.annualRevenue),
        createdate: createdAt,
        hs_lastmodifieddate: createdAt,
        hs_object_id: recordId('companies', c.n),
      },
      createdAt,
      updatedAt: createdAt,
    };
  }

  goalTarget(t: WorldTarget, n: number): RenderedBase {
    const createdAt = `${t.periodStart}T00:00:00.000Z`;
    return {
      properties: {
        hs_goal_name: t.ownerN === null ? `Team revenue ${t.periodStart}` : `Revenue ${t.periodStart}`,
        hs_target_amount: String(t.amount),
        hs_start_datetime: createdAt,
        hs_end_datetime: `${t.periodEnd}T23:59:59.999Z`,
        // Goals name users, not owners: connectors must map userId to owner.
        hs_assignee_user_id: t.ownerN === null ? null : String(USER_ID_OFFSET + t.ownerN),
        hs_kpi_display_name: 'Revenue',
        hs_createdate: createdAt,
        hs_lastmodifieddate: createdAt,
        hs_object_id: recordId('goal_targets', n),
      },
      createdAt,
      updatedAt: createdAt,
    };
  }

  activity(a: WorldActivity): RenderedBase {
    // A meeting booked for the future was created before it happens.
    const nowMs = Date.parse(this.#world.now);
    const occurredMs = Date.parse(a.occurredAt);
    const createdAt =
      occurredMs > nowMs ? new Date(nowMs - ((a.n % 7) + 1) * DAY).toISOString() : a.occurredAt;
    const common = {
      hs_timestamp: a.occurredAt,
      hubspot_owner_id: ownerId(a.ownerN),
      hs_createdate: createdAt,
      hs_lastmodifieddate: createdAt,
    };
    let properties: Record<string, string | null>;
    switch (a.type) {
      case 'email':
        properties = {
          ...common,
          hs_email_direction: a.direction === 'inbound' ? 'INCOMING_EMAIL' : 'EMAIL',
          hs_email_subject: a.subject,
          hs_email_text: a.body,
          hs_email_status: 'SENT',
          hs_object_id: recordId('emails', a.n),
        };
        break;
      case 'call':
        properties = {
          ...common,
          hs_call_direction: a.direction === 'inbound' ? 'INBOUND' : 'OUTBOUND',
          hs_call_status: a.callStatus,
          // HubSpot stores call duration in milliseconds.
          hs_call_duration: a.durationSeconds === null ? null : String(a.durationSeconds * 1000),
          hs_call_disposition: a.callStatus === null ? null : (DISPOSITIONS[a.callStatus] ?? null),
          hs_call_title: a.subject,
          hs_call_body: a.body,
          hs_object_id: recordId('calls', a.n),
        };
        break;
      case 'meeting':
        properties = {
          ...common,
          hs_meeting_title: a.subject,
          hs_meeting_body: a.body,
          hs_internal_meeting_notes: a.meetingOutcome === 'COMPLETED' ? a.body : null,
          hs_meeting_start_time: a.occurredAt,
          hs_meeting_end_time: a.meetingEndAt,
          hs_meeting_outcome: a.meetingOutcome,
          hs_object_id: recordId('meetings', a.n),
        };
        break;
      case 'note':
        properties = { ...common, hs_note_body: a.body, hs_object_id: recordId('notes', a.n) };
        break;
      default:
        properties = {
          ...common,
          // For tasks hs_timestamp is the due date.
          hs_timestamp: a.taskDueAt ?? a.occurredAt,
          hs_task_subject: a.subject,
          hs_task_body: a.body,
          hs_task_status: a.taskStatus,
          hs_task_type: TASK_TYPES[a.n % TASK_TYPES.length]!,
          hs_task_priority: 'MEDIUM',
          hs_task_completion_date: a.taskStatus === 'COMPLETED' ? a.taskDueAt : null,
          hs_object_id: recordId('tasks', a.n),
        };
    }
    return { properties, createdAt, updatedAt: createdAt };
  }
}
