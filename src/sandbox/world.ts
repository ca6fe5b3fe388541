/**
 * The CRM-neutral synthetic world the sandbox serves. The generator builds one from a seed;
 * the HubSpot and Salesforce surfaces each render it into their own record shapes and ids
 * (HubSpot numeric strings, Salesforce 18-character ids with the object's key prefix).
 * Entity `n` values are unique per entity kind and stable for a seed.
 */

export interface WorldOwner {
  n: number;
  firstName: string;
  lastName: string;
  email: string;
  team: string;
  /** False for people who left: real orgs keep their records, but nothing new can be assigned to them. Absent: active. */
  active?: boolean;
  /** The owner's manager (`n` of another owner), or null. Salesforce User.ManagerId. */
  managerN?: number | null;
}

export interface WorldStage {
  key: string;
  label: string;
  order: number;
  isClosed: boolean;
  isWon: boolean;
  /** 0..1 */
  probability: number;
}

export interface WorldPipeline {
  key: string;
  label: string;
  stages: WorldStage[];
}

export interface WorldCompany {
  n: number;
  name: string;
  domain: string;
  industry: string | null;
  employees: number | null;
  annualRevenue: number | null;
}

export interface WorldContact {
  n: number;
  firstName: string;
  lastName: string;
  email: string;
  title: string | null;
  companyN: number | null;
}

export interface WorldDealContact {
  contactN: number;
  /** "Decision Maker", "Economic Buyer", "Influencer", "Technical Buyer", "Evaluator" or null. */
  role: string | null;
  isPrimary: boolean;
}

export interface WorldDeal {
  n: number;
  name: string;
  pipelineKey: string;
  /** Current stage key; may be an unknown key in a messy record. */
  stageKey: string;
  amount: number | null;
  /** YYYY-MM-DD or null (messy). */
  closeDate: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Null: no owner (an imported export without one); never a shared stand-in owner. */
  ownerN: number | null;
  companyN: number | null;
  nextStep: string | null;
  nextStepUpdatedAt: string | null;
  stageHistory: { stageKey: string; enteredAt: string }[];
  closeDateHistory: { at: string; value: string | null }[];
  amountHistory: { at: string; value: number | null }[];
  contacts: WorldDealContact[];
  /** Qualification fields (BANT/MEDDICC-like), by field name. */
  qualification: Record<string, string | number | boolean | null>;
  /** Why the record is messy, when it is (for tests); null for clean records. */
  messy: string | null;
}

export type WorldActivityType = 'email' | 'call' | 'meeting' | 'note' | 'task';

export interface WorldActivity {
  n: number;
  type: WorldActivityType;
  /** The deal it is associated with; may name a deal that does not exist (orphaned, messy). */
  dealN: number;
  contactNs: number[];
  /** Null: no owner (an activity of an imported deal without one). */
  ownerN: number | null;
  occurredAt: string;
  direction: 'inbound' | 'outbound' | null;
  isReply: boolean | null;
  subject: string;
  body: string;
  /** Calls: COMPLETED / NO_ANSWER / BUSY / FAILED (HubSpot hs_call_status vocabulary). */
  callStatus: string | null;
  durationSeconds: number | null;
  /** Meetings: SCHEDULED / COMPLETED / RESCHEDULED / NO_SHOW / CANCELED. */
  meetingOutcome: string | null;
  meetingEndAt: string | null;
  /** Tasks: NOT_STARTED / COMPLETED / WAITING. */
  taskStatus: string | null;
  taskDueAt: string | null;
  messy: string | null;
}

export interface WorldTarget {
  ownerN: number | null;
  periodStart: string;
  periodEnd: string;
  amount: number;
}

export interface SandboxWorld {
  seed: number;
  /** The generator's "today"; every timestamp is relative to it. */
  now: string;
  owners: WorldOwner[];
  pipelines: WorldPipeline[];
  companies: WorldCompany[];
  contacts: WorldContact[];
  deals: WorldDeal[];
  activities: WorldActivity[];
  targets: WorldTarget[];
}
