import type {
  Account,
  Activity,
  Alert,
  Contact,
  CrmAccount,
  CrmKind,
  Deal,
  HealthFieldValues,
  Owner,
  Pipeline,
  Target,
  QuarantinedRecord,
} from '../src/domain/index.ts';

/**
 * The one interface jobs use to speak to a CRM. Concrete connectors (hubspot/, salesforce/) are
 * injected by the composition root; jobs never import them. Every method is safe to call again
 * after a crash (BullMQ delivers at least once).
 */
export interface CrmConnector {
  readonly crm: CrmKind;

  /**
   * Create the "Pipeline health" property group/fields (and, on Salesforce, the permission set)
   * if missing. Idempotent: existing ones are left as they are.
   */
  bootstrapSchema(options?: CallOptions): Promise<SchemaBootstrapResult>;

  /** Pipelines with stage metadata, owners and revenue targets. */
  fetchMetadata(options?: CallOptions): Promise<CrmMetadata>;

  /**
   * Pull what changed since `cursor` (null: full first sync) as pages. The caller stores each page
   * and only then saves `page.cursor`, so a crash repeats at most one page. Pages are bounded in size.
   */
  pull(cursor: string | null, options?: PullOptions): AsyncIterable<SyncPage>;

  /**
   * Write health values in the CRM's largest batches. Each write carries only changed fields.
   * Per-record failures are returned, never thrown; a whole-call failure after retries throws an AppError.
   */
  writeHealth(writes: HealthWrite[], options?: EffectOptions): Promise<WriteOutcome>;

  /**
   * Read the health values currently in the CRM for these deals (batched: HubSpot batch read of the
   * ph_ properties, Salesforce one query per 200 ids). Used after a crash to learn whether an
   * interrupted write landed, so it is not written twice. Deals not found are absent from the map.
   */
  readHealth(dealIds: string[], options?: CallOptions): Promise<Map<string, Partial<HealthFieldValues>>>;

  /**
   * Create one task per alert for the deal owner, associated with the deal. Idempotent by
   * alert key: an alert whose task already exists in the CRM (from an earlier attempt or another
   * worker) is reported as existing, not created again.
   */
  createAlertTasks(alerts: AlertTask[], options?: EffectOptions): Promise<AlertOutcome>;

  /**
   * The ids of every deal the CRM holds now in the tracked pipelines (`options.pipelines`, empty:
   * all), in bounded chunks, reading ids only (the nightly reconciliation drops stored deals not
   * listed). Optional: a connector without it is reconciled by full syncs only.
   */
  listDealIds?(options?: { pipelines?: string[]; signal?: AbortSignal }): AsyncIterable<string[]>;

  /** API calls made by this connector instance so far, per endpoint, and the CRM's limits seen. */
  usage(): ApiUsage;

  /**
   * Contact the CRM with the tenant's credentials and write nothing: authentication, the scopes or
   * permissions the product needs, API version, daily allocation left and its reset, each health
   * field/property (exists and visible to the integration user), the fallback owner. Never throws for
   * a failed check: each one is reported. (`pipeline-health connect check`.)
   */
  checkConnection?(): Promise<ConnectionCheck[]>;
}

/** How a caller guards each effect batch a connector sends (STYLE.md #12). */
export interface EffectOptions extends CallOptions {
  /**
   * Called right before each write or create batch is sent (after any limiter wait), with the
   * batch's deal ids (writes) or alert keys (tasks). It proves the caller still owns the work and
   * records what is about to be sent; when it throws, the connector sends nothing more and
   * rethrows.
   */
  beforeBatch?: (ids: string[]) => Promise<void>;
}

/** One line of `connect check`. */
export interface ConnectionCheck {
  /** Stable name: authentication, permissions, api_version, daily_allocation, field:<name>, fallback_owner, ... */
  name: string;
  ok: boolean;
  /** What was found, in plain words (never a secret). */
  detail: string;
  /** Error code when not ok (CRM_AUTH, CRM_PERMISSION, CONFIG_INVALID, ...). */
  code?: string;
  /** The exact step that fixes it, when not ok. */
  hint?: string;
}

/**
 * Options of every CRM call. `signal`: the job's own AbortSignal (BullMQ aborts it when the job is
 * cancelled, e.g. at shutdown); the requests in flight are ended and the method rejects with the
 * signal's reason, without retrying. Every request also has its own deadline (the connector's
 * request timeout), on new and reused connections alike.
 */
interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface PullOptions extends CallOptions {
  /** Restrict to these pipelines (ids); empty/undefined: all. */
  pipelines?: string[];
  /**
   * The caller's stored deals among these ids (absent: not stored). When given, an incremental
   * pull drops a re-read deal whose record equals the stored one apart from `updatedAt` (the CRM
   * moves it when we write our health fields) and reads nothing more for it: no associations,
   * activities, contacts or company. A dropped deal still counts as not pulled, so an activity
   * changed in the window brings it back with all of its activities.
   */
  known?: (dealIds: string[]) => Promise<Map<string, Deal>>;
}

export interface SyncPage {
  deals: Deal[];
  /**
   * For every deal in `deals`, ALL of its activities (the store replaces that deal's activity ledger
   * with them). Activities of deals not in `deals` (changed engagements of unchanged deals) are
   * merged into those deals' ledgers by activity id.
   */
  activities: Activity[];
  contacts: Contact[];
  accounts: Account[];
  /** Deals deleted or archived in the CRM since the cursor: they leave the state. */
  deletedDealIds: string[];
  /** Raw records that failed validation, with the reason. Counted, stored, never dropped silently. */
  quarantined: QuarantinedRecord[];
  /** Save this after storing the page; pass it to the next pull. Opaque to callers. */
  cursor: string;
  /** How a full sync reads each object (first page of a full sync, where the connector plans one). */
  readPlan?: FullSyncReadPlan;
}

/** One object of a full sync: rows expected, calls by REST and by a bulk job, and the way chosen. */
export interface ObjectReadEstimate {
  object: string;
  rows: number;
  restCalls: number;
  bulkCalls: number;
  via: 'rest' | 'bulk';
}

/**
 * How a full sync reads the CRM, chosen per object by expected calls (Salesforce: REST queries or
 * Bulk API 2.0 jobs). `objects` is empty when the full sync stayed on REST without counting.
 */
export interface FullSyncReadPlan {
  /** Rows of the main object (opportunities) counted at the start. */
  opportunities: number;
  /** Calls spent counting rows to make the plan. */
  countCalls: number;
  objects: ObjectReadEstimate[];
  /** Estimated calls reading every object by REST, every object by bulk job, and as planned. */
  restCalls: number;
  bulkCalls: number;
  plannedCalls: number;
}

export interface CrmMetadata {
  pipelines: Pipeline[];
  owners: Owner[];
  targets: Target[];
  /** Where the account's record pages live and its currency, as far as the connector learnt them. */
  account?: CrmAccount;
}

export interface SchemaBootstrapResult {
  created: string[];
  existing: string[];
  /** One-time steps an admin must take that the connector could not (e.g. assign a permission set). */
  actionRequired?: string[];
}

export interface HealthWrite {
  dealId: string;
  values: Partial<HealthFieldValues>;
}

export interface WriteFailure {
  dealId: string;
  /** Stable code, e.g. CRM_REJECTED, CRM_PERMISSION, CRM_UNAVAILABLE. */
  code: string;
  /** The CRM's own reason. */
  message: string;
  /** True when trying again later may succeed. */
  retryable: boolean;
}

export interface WriteOutcome {
  written: string[];
  failed: WriteFailure[];
}

export interface AlertTask {
  alert: Alert;
  /** Alert dedupe key (src/domain/alert.ts alertKey). */
  key: string;
  subject: string;
  body: string;
  dueAt: string;
}

export interface AlertOutcome {
  created: { key: string; taskId: string }[];
  existing: { key: string; taskId: string }[];
  failed: { key: string; code: string; message: string; retryable: boolean }[];
  /**
   * Alerts whose deal owner is inactive: the task went to `toOwnerId` (the owner's manager or the
   * tenant's fallback owner) instead, or to nobody (null: no active fallback; the alert is not created).
   */
  reassigned?: { key: string; fromOwnerId: string; toOwnerId: string | null; reason: string }[];
}

export interface ApiUsage {
  calls: number;
  callsByEndpoint: Record<string, number>;
  /** 429s (HubSpot) or limit refusals received. */
  rateLimited: number;
  /** The CRM's own daily figures when its headers say them. */
  daily: { used: number | null; max: number | null };
}
