import type { SandboxWorld, WorldActivity, WorldDeal, WorldStage } from '../world.ts';
import type { RecordStore, SfRow } from './record-store.ts';
import { makeField, type SfFieldType, type SfObject } from './salesforce-schema.ts';

/** The API (integration) user every token is issued for. */
export interface ApiUser {
  n: number;
  username: string;
  email: string;
}

/** Qualification key → custom field API name: `budget_allocated` / `budgetAllocated` → `Budget_Allocated__c`. */
export function customFieldName(key: string): string {
  if (key.endsWith('__c')) return key;
  const parts = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p.length > 0);
  return `${parts.map((p) => p[0]?.toUpperCase() + p.slice(1)).join('_')}__c`;
}

const CALL_DISPOSITION: Record<string, string> = {
  COMPLETED: 'Connected',
  NO_ANSWER: 'No Answer',
  BUSY: 'Busy',
  FAILED: 'Failed',
  LEFT_VOICEMAIL: 'Left Voicemail',
};

const TASK_STATUS: Record<string, string> = {
  NOT_STARTED: 'Not Started',
  IN_PROGRESS: 'In Progress',
  COMPLETED: 'Completed',
  WAITING: 'Waiting on someone else',
  DEFERRED: 'Deferred',
};

const MEETING_OUTCOMES = ['Scheduled', 'Completed', 'Rescheduled', 'No Show', 'Canceled'];

function titleCase(s: string): string {
  return s
    .toLowerCase()
    .split('_')
    .map((w) => (w[0]?.toUpperCase() ?? '') + w.slice(1))
    .join(' ');
}

function forecastCategory(stage: WorldStage | undefined): string {
  if (stage === undefined) return 'Pipeline';
  if (stage.isClosed) return stage.isWon ? 'Closed' : 'Omitted';
  if (stage.probability >= 0.7) return 'Commit';
  if (stage.probability >= 0.4) return 'Best Case';
  return 'Pipeline';
}

function dateOf(iso: string): string {
  return iso.slice(0, 10);
}

function inferType(values: unknown[]): SfFieldType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.length > 0 && present.every((v) => typeof v === 'number')) return 'double';
  return 'string';
}

function must(store: RecordStore, name: string): SfObject {
  const o = store.schema.get(name);
  if (o === undefined) throw new Error(`schema lacks ${name}`);
  return o;
}

/**
 * Render the CRM-neutral world as Salesforce records. Notable choices (see docs/SANDBOX.md):
 * an email becomes both an EmailMessage and a completed Task with TaskSubtype "Email" (what
 * Salesforce's enhanced email stores); a note becomes a completed Task of Type "Other"; meeting
 * outcomes live in a custom picklist Event.Meeting_Outcome__c; team-wide targets (no owner) have
 * no ForecastingQuota row.
 */
export function renderWorld(world: SandboxWorld, store: RecordStore, apiUser: ApiUser): void {
  const O = {
    user: must(store, 'User'),
    account: must(store, 'Account'),
    contact: must(store, 'Contact'),
    opp: must(store, 'Opportunity'),
    stage: must(store, 'OpportunityStage'),
    history: must(store, 'OpportunityHistory'),
    fieldHistory: must(store, 'OpportunityFieldHistory'),
    role: must(store, 'OpportunityContactRole'),
    task: must(store, 'Task'),
    event: must(store, 'Event'),
    relation: must(store, 'EventRelation'),
    email: must(store, 'EmailMessage'),
    quota: must(store, 'ForecastingQuota'),
  };
  const longAgo = new Date(Date.parse(world.now) - 730 * 86_400_000).toISOString();
  const apiUserId = store.idFor(O.user, apiUser.n);
  const sys = (created: string, modified: string = created, by: string = apiUserId) => ({
    IsDeleted: false,
    CreatedDate: created,
    CreatedById: by,
    LastModifiedDate: modified,
    LastModifiedById: by,
    SystemModstamp: modified,
  });
  const put = (o: SfObject, row: SfRow) => store.put(o, row);

  // Users: the integration user first, then one per owner.
  put(O.user, {
    Id: apiUserId,
    Username: apiUser.username,
    Name: 'Integration User',
    FirstName: 'Integration',
    LastName: 'User',
    Email: apiUser.email,
    IsActive: true,
    Department: null,
    Title: 'API Only',
    ManagerId: null,
    ...sys(longAgo),
  });
  const userId = new Map<number, string>();
  for (const o of world.owners) {
    const id = store.idFor(O.user, o.n);
    userId.set(o.n, id);
    put(O.user, {
      Id: id,
      Username: `${o.email}.sandbox`,
      Name: `${o.firstName} ${o.lastName}`,
      FirstName: o.firstName,
      LastName: o.lastName,
      Email: o.email,
      // People who left stay as inactive Users, still owning their records.
      IsActive: o.active !== false,
      Department: o.team,
      Title: 'Account Executive',
      ManagerId: o.managerN == null ? null : store.idFor(O.user, o.managerN),
      ...sys(longAgo),
    });
  }
  // No owner in the world (an imported deal without one): Salesforce sets OwnerId to the user who
  // inserts the record (API docs, "Frequently Occurring Fields": OwnerId "is implicitly set to the
  // current user when inserting an object"), here the integration user.
  const ownerOf = (n: number | null) => (n === null ? apiUserId : (userId.get(n) ?? store.idFor(O.user, n)));

  // Stages: the union of the pipelines' stages, by label (Salesforce has one stage picklist).
  const stages = new Map<string, WorldStage>();
  const stageLabels: string[] = [];
  let sort = 0;
  for (const p of world.pipelines) {
    for (const s of [...p.stages].sort((a, b) => a.order - b.order)) {
      if (!stages.has(s.key)) stages.set(s.key, s);
      if (stageLabels.includes(s.label)) continue;
      stageLabels.push(s.label);
      sort += 1;
      put(O.stage, {
        Id: store.idFor(O.stage, sort),
        MasterLabel: s.label,
        ApiName: s.label,
        IsActive: true,
        IsClosed: s.isClosed,
        IsWon: s.isWon,
        DefaultProbability: Math.round(s.probability * 100),
        ForecastCategoryName: forecastCategory(s),
        SortOrder: sort,
        ...sys(longAgo),
      });
    }
  }
  const stageField = O.opp.fields.get('stagename');
  if (stageField !== undefined) stageField.picklistValues = stageLabels;
  const stageName = (key: string) => stages.get(key)?.label ?? key;

  // Accounts and contacts.
  const accountId = new Map<number, string>();
  for (const c of world.companies) {
    const id = store.idFor(O.account, c.n);
    accountId.set(c.n, id);
    put(O.account, {
      Id: id,
      Name: c.name,
      Website: c.domain,
      Industry: c.industry,
      NumberOfEmployees: c.employees,
      AnnualRevenue: c.annualRevenue,
      OwnerId: apiUserId,
      ...sys(longAgo),
    });
  }
  const contactId = new Map<number, string>();
  const contactEmail = new Map<number, string>();
  for (const c of world.contacts) {
    const id = store.idFor(O.contact, c.n);
    contactId.set(c.n, id);
    contactEmail.set(c.n, c.email);
    put(O.contact, {
      Id: id,
      FirstName: c.firstName,
      LastName: c.lastName,
      Name: `${c.firstName} ${c.lastName}`.trim(),
      Email: c.email,
      Title: c.title,
      AccountId:
        c.companyN === null ? null : (accountId.get(c.companyN) ?? store.idFor(O.account, c.companyN)),
      OwnerId: apiUserId,
      ...sys(longAgo),
    });
  }
  const contactOf = (n: number) => contactId.get(n) ?? store.idFor(O.contact, n);

  // Qualification fields become Opportunity custom fields (already granted: they pre-exist).
  const qualKeys = new Map<string, unknown[]>();
  for (const d of world.deals) {
    for (const [k, v] of Object.entries(d.qualification)) {
      const list = qualKeys.get(k) ?? [];
      list.push(v);
      qualKeys.set(k, list);
    }
  }
  for (const [k, values] of qualKeys) {
    store.schema.addField('Opportunity', makeField(customFieldName(k), inferType(values), { custom: true }));
  }
  store.schema.addField(
    'Event',
    makeField('Meeting_Outcome__c', 'picklist', { custom: true, picklist: MEETING_OUTCOMES }),
  );

  // LastActivityDate: the latest event, or closed task, logged on the deal (open tasks do not count).
  const lastActivity = new Map<number, string>();
  for (const a of world.activities) {
    if (a.type === 'task' && a.taskStatus !== 'COMPLETED') continue;
    const d = dateOf(a.occurredAt);
    const prev = lastActivity.get(a.dealN);
    if (prev === undefined || d > prev) lastActivity.set(a.dealN, d);
  }

  const oppId = (n: number) => store.idFor(O.opp, n);
  for (const d of world.deals) {
    const id = oppId(d.n);
    const stage = stages.get(d.stageKey);
    const row: SfRow = {
      Id: id,
      Name: d.name,
      Description: null,
      StageName: stageName(d.stageKey),
      Amount: d.amount,
      Probability: stage === undefined ? null : Math.round(stage.probability * 100),
      CloseDate: d.closeDate,
      IsClosed: stage?.isClosed ?? false,
      IsWon: stage?.isWon ?? false,
      NextStep: d.nextStep,
      ForecastCategoryName: forecastCategory(stage),
      OwnerId: ownerOf(d.ownerN),
      AccountId:
        d.companyN === null ? null : (accountId.get(d.companyN) ?? store.idFor(O.account, d.companyN)),
      LastActivityDate: lastActivity.get(d.n) ?? null,
      ...sys(d.createdAt, d.updatedAt, ownerOf(d.ownerN)),
    };
    for (const [k, v] of Object.entries(d.qualification)) row[customFieldName(k)] = v;
    put(O.opp, row);
    renderHistory(store, O.history, O.fieldHistory, d, id, stageName, stages, ownerOf(d.ownerN));
    for (const c of d.contacts) {
      put(O.role, {
        Id: store.nextId(O.role),
        OpportunityId: id,
        ContactId: contactOf(c.contactN),
        Role: c.role,
        IsPrimary: c.isPrimary,
        ...sys(d.createdAt),
      });
    }
  }

  for (const a of world.activities)
    renderActivity(store, O, a, oppId(a.dealN), ownerOf(a.ownerN), contactOf, contactEmail, world);

  for (const t of world.targets) {
    if (t.ownerN === null) continue;
    put(O.quota, {
      Id: store.nextId(O.quota),
      QuotaOwnerId: ownerOf(t.ownerN),
      QuotaAmount: t.amount,
      StartDate: t.periodStart,
      ...sys(longAgo),
    });
  }
}

function renderHistory(
  store: RecordStore,
  history: SfObject,
  fieldHistory: SfObject,
  d: WorldDeal,
  oppId: string,
  stageName: (key: string) => string,
  stages: Map<string, WorldStage>,
  by: string,
): void {
  type Change = { at: string; field: 'StageName' | 'Amount' | 'CloseDate'; value: unknown; initial: boolean };
  const changes: Change[] = [
    ...d.stageHistory.map((s, i) => ({
      at: s.enteredAt,
      field: 'StageName' as const,
      value: s.stageKey,
      initial: i === 0,
    })),
    ...d.amountHistory.map((s, i) => ({
      at: s.at,
      field: 'Amount' as const,
      value: s.value,
      initial: i === 0,
    })),
    ...d.closeDateHistory.map((s, i) => ({
      at: s.at,
      field: 'CloseDate' as const,
      value: s.value,
      initial: i === 0,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const state: Record<string, unknown> = {
    StageName: d.stageHistory[0]?.stageKey ?? d.stageKey,
    Amount: d.amountHistory[0]?.value ?? d.amount,
    CloseDate: d.closeDateHistory[0]?.value ?? d.closeDate,
  };
  const sys = (at: string) => ({ IsDeleted: false, CreatedDate: at, CreatedById: by, SystemModstamp: at });
  let i = 0;
  while (i < changes.length) {
    const at = changes[i]?.at ?? d.createdAt;
    // Changes at the same instant are one save: one OpportunityHistory row.
    while (i < changes.length && changes[i]?.at === at) {
      const c = changes[i] as Change;
      const old = state[c.field];
      state[c.field] = c.value;
      if (!c.initial && old !== c.value) {
        const show = (v: unknown) => (c.field === 'StageName' && typeof v === 'string' ? stageName(v) : v);
        store.put(fieldHistory, {
          Id: store.nextId(fieldHistory),
          OpportunityId: oppId,
          Field: c.field,
          OldValue: show(old) ?? null,
          NewValue: show(c.value) ?? null,
          ...sys(at),
        });
      }
      i += 1;
    }
    const stage = stages.get(String(state.StageName));
    store.put(history, {
      Id: store.nextId(history),
      OpportunityId: oppId,
      StageName: stageName(String(state.StageName)),
      Amount: state.Amount ?? null,
      CloseDate: state.CloseDate ?? null,
      Probability: stage === undefined ? null : Math.round(stage.probability * 100),
      ForecastCategory: forecastCategory(stage),
      ...sys(at),
    });
  }
  if (d.nextStepUpdatedAt !== null && d.nextStep !== null) {
    store.put(fieldHistory, {
      Id: store.nextId(fieldHistory),
      OpportunityId: oppId,
      Field: 'NextStep',
      OldValue: null,
      NewValue: d.nextStep,
      ...sys(d.nextStepUpdatedAt),
    });
  }
}

function renderActivity(
  store: RecordStore,
  O: { task: SfObject; event: SfObject; relation: SfObject; email: SfObject; user: SfObject },
  a: WorldActivity,
  whatId: string,
  ownerId: string,
  contactOf: (n: number) => string,
  contactEmail: Map<number, string>,
  world: SandboxWorld,
): void {
  const firstContact = a.contactNs[0];
  const whoId = firstContact === undefined ? null : contactOf(firstContact);
  const sys = {
    IsDeleted: false,
    CreatedDate: a.occurredAt,
    CreatedById: ownerId,
    LastModifiedDate: a.occurredAt,
    LastModifiedById: ownerId,
    SystemModstamp: a.occurredAt,
  };
  const base = {
    WhatId: whatId,
    WhoId: whoId,
    OwnerId: ownerId,
    Description: a.body.length > 0 ? a.body : null,
  };
  const task = (fields: Record<string, unknown>) => {
    const id = store.idFor(O.task, a.n);
    const status = String(fields.Status ?? 'Completed');
    store.put(O.task, {
      Id: id,
      ...base,
      Subject: a.subject,
      ActivityDate: dateOf(a.occurredAt),
      Status: status,
      Priority: 'Normal',
      IsClosed: status === 'Completed' || status === 'Deferred',
      TaskSubtype: 'Task',
      Type: null,
      CallType: null,
      CallDurationInSeconds: null,
      CallDisposition: null,
      ...fields,
      ...sys,
    });
    return id;
  };
  switch (a.type) {
    case 'email': {
      const subject = a.isReply === true && !/^re:/i.test(a.subject) ? `Re: ${a.subject}` : a.subject;
      const taskId = task({
        TaskSubtype: 'Email',
        Type: 'Email',
        Subject: `Email: ${subject}`,
        Status: 'Completed',
      });
      const owner = world.owners.find((o) => o.n === a.ownerN);
      const buyers = a.contactNs.map((n) => contactEmail.get(n)).filter((e): e is string => e !== undefined);
      const seller = owner?.email ?? null;
      const incoming = a.direction === 'inbound';
      store.put(O.email, {
        Id: store.idFor(O.email, a.n),
        RelatedToId: whatId,
        ActivityId: taskId,
        Incoming: incoming,
        MessageDate: a.occurredAt,
        FromAddress: incoming ? (buyers[0] ?? null) : seller,
        FromName: null,
        ToAddress: incoming ? seller : buyers.join('; ') || null,
        Subject: subject,
        TextBody: a.body,
        Status: '3',
        ...sys,
      });
      return;
    }
    case 'call':
      task({
        TaskSubtype: 'Call',
        Type: 'Call',
        CallType: a.direction === null ? null : a.direction === 'inbound' ? 'Inbound' : 'Outbound',
        CallDurationInSeconds: a.durationSeconds,
        CallDisposition: a.callStatus === null ? null : (CALL_DISPOSITION[a.callStatus] ?? a.callStatus),
        Status: 'Completed',
      });
      return;
    case 'note':
      task({ TaskSubtype: 'Task', Type: 'Other', Status: 'Completed' });
      return;
    case 'task':
      task({
        TaskSubtype: 'Task',
        Status: a.taskStatus === null ? 'Not Started' : (TASK_STATUS[a.taskStatus] ?? a.taskStatus),
        ActivityDate: a.taskDueAt === null ? null : dateOf(a.taskDueAt),
      });
      return;
    case 'meeting': {
      const start = Date.parse(a.occurredAt);
      const end = a.meetingEndAt === null ? start + 30 * 60_000 : Date.parse(a.meetingEndAt);
      const eventId = store.idFor(O.event, a.n);
      store.put(O.event, {
        Id: eventId,
        ...base,
        Subject: a.subject,
        StartDateTime: a.occurredAt,
        EndDateTime: new Date(end).toISOString(),
        ActivityDateTime: a.occurredAt,
        DurationInMinutes: Math.max(0, Math.round((end - start) / 60_000)),
        EventSubtype: 'Event',
        Meeting_Outcome__c: a.meetingOutcome === null ? null : titleCase(a.meetingOutcome),
        ...sys,
      });
      for (const n of a.contactNs) {
        store.put(O.relation, {
          Id: store.nextId(O.relation),
          EventId: eventId,
          RelationId: contactOf(n),
          IsInvitee: true,
          Status: 'Accepted',
          ...sys,
        });
      }
      return;
    }
  }
}
