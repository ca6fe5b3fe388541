import { base, en, Faker } from '@faker-js/faker';
import type {
  SandboxWorld,
  WorldActivity,
  WorldActivityType,
  WorldCompany,
  WorldContact,
  WorldDeal,
  WorldDealContact,
  WorldOwner,
  WorldPipeline,
  WorldStage,
  WorldTarget,
} from '../world.ts';
import {
  CALL_TITLES,
  CONTACT_ROLES,
  DECISION_PROCESS,
  EMAIL_BODIES,
  EMAIL_SUBJECTS,
  INDUSTRIES,
  JUNIOR_TITLES,
  MEETING_TITLES,
  NOTE_BODIES,
  ODD_NAMES,
  PIPELINES,
  SENIOR_TITLES,
  TASK_SUBJECTS,
  TEAMS,
} from './catalog.ts';
import {
  chance,
  createPrng,
  intBetween,
  normal,
  type Prng,
  pick,
  poisson,
  sigmoid,
  uniform,
} from './prng.ts';
import { fastIso } from './fast-iso.ts';

/** Options for {@link generateWorld}. */
export interface GenerateWorldOptions {
  /** Seed for every random choice: the same options always give the same world. */
  seed: number;
  /** Number of deals, from a handful to 100,000. */
  deals: number;
  /** The world's "today" as an ISO timestamp. Default: the start of the current UTC day. */
  now?: string;
  /** Share (0..1) of deals and of activities that are messy like real CRM data. Default 0.02. */
  messyShare?: number;
}

/**
 * A deal's latent health and outcome, kept beside the world for tests and benchmarks that want
 * to check the generator's statistics (the served world never exposes it).
 */
export interface GeneratedDealTruth {
  dealN: number;
  health: number;
}

const DAY = 86_400_000;
const HISTORY_DAYS = 730;
/** Share of deals created in the last 120 days, so there is always an open pipeline to score. */
const RECENT_SHARE = 0.35;
const MAX_ACTIVITIES_PER_DEAL = 150;
const NEXT_STEPS = [
  'Send revised proposal',
  'Book technical review',
  'Confirm budget with CFO',
  'Legal review',
];

/**
 * Build a deterministic synthetic CRM world. Each deal gets a latent health; won deals show more
 * two-way communication, joint planning, knowledge sharing and multithreading than lost ones,
 * with noise, so the relationship is learnable but not perfect (see INDICATORS.md).
 */
export function generateWorld(options: GenerateWorldOptions): SandboxWorld {
  return generateWorldWithTruth(options).world;
}

/** Like {@link generateWorld}, also returning each deal's latent health (for tests). */
export function generateWorldWithTruth(options: GenerateWorldOptions): {
  world: SandboxWorld;
  truth: GeneratedDealTruth[];
} {
  const { seed } = options;
  const dealCount = Math.max(0, Math.floor(options.deals));
  const messyShare = options.messyShare ?? 0.02;
  const nowMs = options.now === undefined ? startOfUtcDay(Date.now()) : Date.parse(options.now);
  if (Number.isNaN(nowMs)) throw new Error(`generateWorld: invalid now ${String(options.now)}`);
  const rng = createPrng(seed);
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);

  const owners = makeOwners(faker, clamp(Math.ceil(dealCount / 400), 3, 250));
  const { companies, contacts, companyContacts } = makeCompaniesAndContacts(
    faker,
    rng,
    Math.max(3, Math.ceil(dealCount / 3)),
  );
  const pipelines: WorldPipeline[] = PIPELINES.map((p) => ({
    ...p,
    stages: p.stages.map((s) => ({ ...s })),
  }));

  const deals: WorldDeal[] = new Array(dealCount);
  const truth: GeneratedDealTruth[] = new Array(dealCount);
  const activities: WorldActivity[] = [];
  const ctx: DealContext = { rng, nowMs, messyShare, dealCount, activities, nextActivityN: 1 };
  for (let i = 0; i < dealCount; i++) {
    const health = normal(rng);
    const companyN = intBetween(rng, 1, companies.length);
    const company = companies[companyN - 1]!;
    const range = companyContacts[companyN - 1]!;
    const deal = makeDeal(ctx, i + 1, health, company, range, owners);
    deals[i] = deal;
    truth[i] = { dealN: deal.n, health };
  }

  return {
    world: {
      seed,
      now: new Date(nowMs).toISOString(),
      owners,
      pipelines,
      companies,
      contacts,
      deals,
      activities,
      targets: makeTargets(rng, owners, nowMs, deals, pipelines),
    },
    truth,
  };
}

interface DealContext {
  rng: Prng;
  nowMs: number;
  messyShare: number;
  dealCount: number;
  activities: WorldActivity[];
  nextActivityN: number;
}

function makeOwners(faker: Faker, count: number): WorldOwner[] {
  const owners: WorldOwner[] = [];
  for (let n = 1; n <= count; n++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    owners.push({
      n,
      firstName,
      lastName,
      email: `${slug(firstName)}.${slug(lastName)}.${n}@sandbox-sales.example`,
      team: TEAMS[(n - 1) % TEAMS.length]!,
      // Every fifth owner (never the first) has left the company but still owns deals, as in real
      // orgs; in worlds of fewer than five owners the last one has, so every world has some.
      // Owner 1 is everyone's manager. Neither uses the rng, so seeded worlds keep their data.
      active: n === 1 || (n % 5 !== 0 && !(count < 5 && n === count)),
      managerN: n === 1 ? null : 1,
    });
  }
  return owners;
}

function makeCompaniesAndContacts(
  faker: Faker,
  rng: Prng,
  companyCount: number,
): {
  companies: WorldCompany[];
  contacts: WorldContact[];
  companyContacts: { start: number; count: number }[];
} {
  const companies: WorldCompany[] = [];
  const contacts: WorldContact[] = [];
  const companyContacts: { start: number; count: number }[] = [];
  for (let n = 1; n <= companyCount; n++) {
    const name = faker.company.name();
    const domain = `${slug(name).slice(0, 30)}-${n}.example`;
    const employees = chance(rng, 0.08) ? null : Math.round(Math.exp(Math.log(200) + 1.6 * normal(rng))) + 1;
    companies.push({
      n,
      name,
      domain,
      industry: chance(rng, 0.05) ? null : pick(rng, INDUSTRIES),
      employees,
      annualRevenue:
        employees === null || chance(rng, 0.1)
          ? null
          : Math.round((employees * 150_000 * (0.5 + uniform(rng))) / 1000) * 1000,
    });
    const count = intBetween(rng, 2, 8);
    companyContacts.push({ start: contacts.length + 1, count });
    for (let k = 0; k < count; k++) {
      const firstName = faker.person.firstName();
      const lastName = faker.person.lastName();
      // The first contacts of a company are usually its senior people.
      const senior = chance(rng, k === 0 ? 0.8 : k === 1 ? 0.4 : 0.1);
      contacts.push({
        n: contacts.length + 1,
        firstName,
        lastName,
        email: `${slug(firstName)}.${slug(lastName)}@${domain}`,
        title: chance(rng, 0.05) ? null : senior ? pick(rng, SENIOR_TITLES) : pick(rng, JUNIOR_TITLES),
        companyN: n,
      });
    }
  }
  return { companies, contacts, companyContacts };
}

function makeDeal(
  ctx: DealContext,
  n: number,
  health: number,
  company: WorldCompany,
  range: { start: number; count: number },
  owners: WorldOwner[],
): WorldDeal {
  const { rng, nowMs } = ctx;
  const pipeline = chance(rng, 0.2) ? PIPELINES[1]! : PIPELINES[0]!;
  const openStages = pipeline.stages.filter((s) => !s.isClosed);
  const wonStage = pipeline.stages.find((s) => s.isClosed && s.isWon)!;
  const lostStage = pipeline.stages.find((s) => s.isClosed && !s.isWon)!;
  const ageDays = chance(rng, RECENT_SHARE) ? 1 + uniform(rng) * 119 : 1 + uniform(rng) * (HISTORY_DAYS - 1);
  const createdMs = nowMs - Math.round(ageDays * DAY);
  const cycleDays = Math.max(
    7,
    Math.exp(Math.log(60) + 0.5 * normal(rng)) * (pipeline.key === 'renewals' ? 0.7 : 1),
  );
  const endMs = createdMs + Math.round(cycleDays * DAY);
  const closed = endMs < nowMs - DAY;
  // Outcome depends on the latent health, with noise: learnable, not separable.
  const won = closed && chance(rng, sigmoid(-0.6 + 1.6 * health));
  const activeEndMs = closed ? endMs : nowMs;
  const span = Math.max(DAY, activeEndMs - createdMs);

  // Stage history.
  const stageHistory: { stageKey: string; enteredAt: string }[] = [];
  let reached: number;
  if (!closed)
    reached = Math.min(
      openStages.length - 1,
      Math.floor(((nowMs - createdMs) / (endMs - createdMs)) * openStages.length),
    );
  else if (won) reached = openStages.length - 1;
  else reached = intBetween(rng, 0, openStages.length - 1);
  const steps: WorldStage[] = [];
  for (let s = 0; s <= reached; s++) {
    steps.push(openStages[s]!);
    // Unhealthy deals sometimes slip back a stage.
    if (s > 0 && s < reached && health < 0 && chance(rng, 0.12)) {
      steps.push(openStages[s - 1]!, openStages[s]!);
    }
  }
  if (closed) steps.push(won ? wonStage : lostStage);
  for (let s = 0; s < steps.length; s++) {
    const at =
      s === 0
        ? createdMs
        : closed && s === steps.length - 1
          ? endMs
          : createdMs + Math.round((span * (s + 0.6 * uniform(rng))) / (steps.length + 0.5));
    stageHistory.push({ stageKey: steps[s]!.key, enteredAt: iso(Math.min(at, nowMs)) });
  }
  let stageKey = steps[steps.length - 1]!.key;

  // Amount and its changes.
  const baseAmount =
    Math.round(Math.exp(Math.log(pipeline.key === 'renewals' ? 12_000 : 25_000) + 0.8 * normal(rng)) / 100) *
    100;
  let amount: number | null = baseAmount;
  const amountHistory: { at: string; value: number | null }[] = [{ at: iso(createdMs), value: baseAmount }];
  if (chance(rng, sigmoid(-1.5 - 0.8 * health))) {
    amount = Math.round((baseAmount * (0.5 + 0.4 * uniform(rng))) / 100) * 100;
    amountHistory.push({ at: iso(createdMs + Math.round(span * (0.3 + 0.5 * uniform(rng)))), value: amount });
  } else if (chance(rng, 0.15)) {
    amount = Math.round((baseAmount * (1.1 + 0.5 * uniform(rng))) / 100) * 100;
    amountHistory.push({ at: iso(createdMs + Math.round(span * (0.3 + 0.5 * uniform(rng)))), value: amount });
  }

  // Close date and its pushes.
  let closeMs = startOfUtcDay(createdMs + Math.round(cycleDays * DAY * (0.6 + 0.4 * uniform(rng))));
  const closeDateHistory: { at: string; value: string | null }[] = [
    { at: iso(createdMs), value: day(closeMs) },
  ];
  const pushes = Math.min(6, poisson(rng, Math.max(0.1, 0.6 - 0.5 * health)));
  for (let p = 0; p < pushes; p++) {
    const at = createdMs + Math.round((span * (p + 1)) / (pushes + 2));
    closeMs += intBetween(rng, 14, 45) * DAY;
    closeDateHistory.push({ at: iso(at), value: day(closeMs) });
  }
  if (closed && day(closeMs) !== day(endMs)) {
    closeMs = startOfUtcDay(endMs);
    closeDateHistory.push({ at: iso(endMs), value: day(closeMs) });
  }
  let closeDate: string | null = day(closeMs);

  // Buying group: healthy deals are multithreaded and reach senior people more often.
  const contactCount = clamp(1 + poisson(rng, Math.max(0.2, 1.2 + 0.9 * health)), 1, range.count);
  const firstOffset = chance(rng, sigmoid(health)) ? 0 : intBetween(rng, 0, range.count - 1);
  const dealContacts: WorldDealContact[] = [];
  for (let k = 0; k < contactCount; k++) {
    dealContacts.push({
      contactN: range.start + ((firstOffset + k) % range.count),
      role: chance(rng, 0.3) ? null : pick(rng, CONTACT_ROLES),
      isPrimary: k === 0,
    });
  }
  const ownerN = intBetween(rng, 1, owners.length);

  // Next step: set and fresh on healthy open deals.
  let nextStep: string | null = null;
  let nextStepUpdatedMs: number | null = null;
  if (chance(rng, sigmoid(0.3 + 0.9 * health))) {
    nextStep = pick(rng, NEXT_STEPS);
    const staleDays = Math.min(span / DAY, -Math.log(1 - uniform(rng)) * Math.max(1, 6 - 3 * health));
    nextStepUpdatedMs = Math.max(createdMs, activeEndMs - Math.round(staleDays * DAY));
  }

  const qualification: Record<string, string | number | boolean | null> = {
    budget_allocated: chance(rng, sigmoid(0.6 * health)),
    competitor_present: chance(rng, sigmoid(-0.2 - 0.5 * health)),
    decision_process: DECISION_PROCESS[clamp(Math.round(1.5 + 0.6 * health + normal(rng)), 0, 3)]!,
  };

  let name = `${company.name} - ${pipeline.key === 'renewals' ? 'Renewal' : pick(rng, ['Platform', 'Expansion', 'Pilot', 'Suite'])}`;
  let messy: string | null = null;
  if (chance(rng, ctx.messyShare)) {
    messy = pick(rng, ['missing_amount', 'null_close_date', 'unknown_stage', 'odd_encoding']);
    // Messy changes happen last, so every history stays in time order.
    const lastAt = (entries: { at: string }[]) => Date.parse(entries[entries.length - 1]!.at);
    if (messy === 'missing_amount') {
      amount = null;
      amountHistory.push({ at: iso(Math.min(nowMs, lastAt(amountHistory) + DAY)), value: null });
    } else if (messy === 'null_close_date') {
      closeDate = null;
      closeDateHistory.push({ at: iso(Math.min(nowMs, lastAt(closeDateHistory) + DAY)), value: null });
    } else if (messy === 'unknown_stage') {
      // A stage deleted from the pipeline after the deal entered it.
      stageKey = `deleted_stage_${intBetween(rng, 1000, 9999)}`;
      const lastEntered = Date.parse(stageHistory[stageHistory.length - 1]!.enteredAt);
      stageHistory.push({ stageKey, enteredAt: iso(Math.min(nowMs, lastEntered + DAY)) });
    } else {
      name = `${pick(rng, ODD_NAMES)} #${n}`;
    }
  }

  makeActivities(ctx, n, health, closed, createdMs, activeEndMs, ownerN, dealContacts);

  const lastChange = Math.max(
    ...stageHistory.map((s) => Date.parse(s.enteredAt)),
    ...amountHistory.map((a) => Date.parse(a.at)),
    ...closeDateHistory.map((c) => Date.parse(c.at)),
    nextStepUpdatedMs ?? 0,
  );
  return {
    n,
    name,
    pipelineKey: pipeline.key,
    stageKey,
    amount,
    closeDate,
    createdAt: iso(createdMs),
    updatedAt: iso(Math.min(nowMs, lastChange)),
    closedAt: closed ? iso(endMs) : null,
    ownerN,
    companyN: company.n,
    nextStep,
    nextStepUpdatedAt: nextStepUpdatedMs === null ? null : iso(nextStepUpdatedMs),
    stageHistory,
    closeDateHistory,
    amountHistory,
    contacts: dealContacts,
    qualification,
    messy,
  };
}

function makeActivities(
  ctx: DealContext,
  dealN: number,
  health: number,
  closed: boolean,
  createdMs: number,
  activeEndMs: number,
  ownerN: number,
  dealContacts: WorldDealContact[],
): void {
  const { rng, nowMs } = ctx;
  const span = Math.max(DAY, activeEndMs - createdMs);
  const weeks = span / (7 * DAY);
  const count = Math.min(MAX_ACTIVITIES_PER_DEAL, 2 + poisson(rng, weeks * 3 * Math.exp(0.3 * health)));
  // Healthy deals share more knowledge (notes) and meet more.
  const engaged = Math.exp(0.3 * health);
  const wEmail = 0.38;
  const wCall = 0.2;
  const wMeeting = 0.14 * engaged;
  const wNote = 0.12 * engaged;
  const wTask = 0.13;
  const wTotal = wEmail + wCall + wMeeting + wNote + wTask;
  const times: number[] = new Array(count);
  for (let i = 0; i < count; i++) times[i] = createdMs + Math.round(uniform(rng) * span);
  times.sort((a, b) => a - b);
  const start = ctx.activities.length;
  for (let i = 0; i < count; i++) {
    const t = Math.min(times[i]!, nowMs);
    const r = uniform(rng) * wTotal;
    const type: WorldActivityType =
      r < wEmail
        ? 'email'
        : r < wEmail + wCall
          ? 'call'
          : r < wEmail + wCall + wMeeting
            ? 'meeting'
            : r < wEmail + wCall + wMeeting + wNote
              ? 'note'
              : 'task';
    pushActivity(ctx, makeActivity(ctx, type, dealN, health, t, ownerN, dealContacts, false));
  }
  // Joint planning: a meeting already on the calendar for open deals.
  if (!closed && chance(rng, sigmoid(-0.3 + 1.1 * health))) {
    const at = nowMs + intBetween(rng, 1, 21) * DAY + intBetween(rng, 8, 17) * 3_600_000;
    pushActivity(ctx, makeActivity(ctx, 'meeting', dealN, health, at, ownerN, dealContacts, true));
  }
  // Messy activities: orphaned associations and duplicates, as real CRMs have.
  const end = ctx.activities.length;
  for (let i = start; i < end; i++) {
    if (!chance(rng, ctx.messyShare)) continue;
    const a = ctx.activities[i]!;
    if (chance(rng, 0.5)) {
      a.dealN = ctx.dealCount + 1_000_000 + a.n;
      a.messy = 'orphaned_association';
    } else {
      pushActivity(ctx, { ...a, contactNs: [...a.contactNs], messy: 'duplicate_activity' });
    }
  }
}

function pushActivity(ctx: DealContext, activity: WorldActivity): void {
  activity.n = ctx.nextActivityN++;
  ctx.activities.push(activity);
}

function makeActivity(
  ctx: DealContext,
  type: WorldActivityType,
  dealN: number,
  health: number,
  at: number,
  ownerN: number,
  dealContacts: WorldDealContact[],
  future: boolean,
): WorldActivity {
  const { rng, nowMs } = ctx;
  const contactOf = (): number => dealContacts[intBetween(rng, 0, dealContacts.length - 1)]!.contactN;
  let direction: 'inbound' | 'outbound' | null = null;
  let isReply: boolean | null = null;
  let subject: string;
  let body: string;
  let callStatus: string | null = null;
  let durationSeconds: number | null = null;
  let meetingOutcome: string | null = null;
  let meetingEndAt: string | null = null;
  let taskStatus: string | null = null;
  let taskDueAt: string | null = null;
  let contactNs: number[];
  switch (type) {
    case 'email': {
      direction = chance(rng, sigmoid(-0.4 + 0.9 * health)) ? 'inbound' : 'outbound';
      isReply = chance(rng, direction === 'inbound' ? 0.8 : 0.3);
      subject = (isReply ? 'Re: ' : '') + pick(rng, EMAIL_SUBJECTS);
      body = pick(rng, EMAIL_BODIES);
      contactNs = [contactOf()];
      break;
    }
    case 'call': {
      direction = chance(rng, sigmoid(-1.2 + 0.7 * health)) ? 'inbound' : 'outbound';
      callStatus = chance(rng, sigmoid(0.1 + 0.8 * health))
        ? 'COMPLETED'
        : pick(rng, ['NO_ANSWER', 'NO_ANSWER', 'BUSY', 'FAILED']);
      durationSeconds = callStatus === 'COMPLETED' ? intBetween(rng, 120, 2400) : intBetween(rng, 0, 30);
      subject = pick(rng, CALL_TITLES);
      body = callStatus === 'COMPLETED' ? pick(rng, NOTE_BODIES) : 'No answer, left voicemail.';
      contactNs = [contactOf()];
      break;
    }
    case 'meeting': {
      if (future) meetingOutcome = 'SCHEDULED';
      else if (chance(rng, sigmoid(1.0 + 0.8 * health))) meetingOutcome = 'COMPLETED';
      else meetingOutcome = pick(rng, ['NO_SHOW', 'CANCELED', 'RESCHEDULED']);
      meetingEndAt = iso(at + pick(rng, [30, 45, 60]) * 60_000);
      subject = pick(rng, MEETING_TITLES);
      body = pick(rng, NOTE_BODIES);
      const attendees = clamp(1 + poisson(rng, Math.max(0, 0.5 + 0.6 * health)), 1, dealContacts.length);
      const first = intBetween(rng, 0, dealContacts.length - 1);
      contactNs = [];
      for (let k = 0; k < attendees; k++) {
        contactNs.push(dealContacts[(first + k) % dealContacts.length]!.contactN);
      }
      break;
    }
    case 'note': {
      subject = 'Note';
      body = pick(rng, NOTE_BODIES);
      contactNs = chance(rng, 0.5) ? [contactOf()] : [];
      break;
    }
    default: {
      const due = at + intBetween(rng, 1, 10) * DAY;
      taskDueAt = iso(due);
      taskStatus =
        due < nowMs && chance(rng, 0.75) ? 'COMPLETED' : chance(rng, 0.8) ? 'NOT_STARTED' : 'WAITING';
      subject = pick(rng, TASK_SUBJECTS);
      body = pick(rng, EMAIL_BODIES);
      contactNs = chance(rng, 0.3) ? [contactOf()] : [];
    }
  }
  return {
    n: 0,
    type,
    dealN,
    contactNs,
    ownerN,
    occurredAt: iso(at),
    direction,
    isReply,
    subject,
    body,
    callStatus,
    durationSeconds,
    meetingOutcome,
    meetingEndAt,
    taskStatus,
    taskDueAt,
    messy: null,
  };
}

/**
 * Quarterly targets per owner, sized from the world's own deal volume in that quarter: the owner's
 * closed-won amount there plus 70% of its open amount planned to close there (what the pipeline
 * supports), times 0.85-1.35, so some owners are ahead and some behind whatever the world's size
 * (fixed targets made small worlds hopeless and large ones far ahead). An owner without any deal
 * in the quarter gets the team mean.
 */
function makeTargets(
  rng: Prng,
  owners: WorldOwner[],
  nowMs: number,
  deals: readonly WorldDeal[],
  pipelines: readonly WorldPipeline[],
): WorldTarget[] {
  const targets: WorldTarget[] = [];
  const now = new Date(nowMs);
  const quarterStartMonth = Math.floor(now.getUTCMonth() / 3) * 3;
  const stageOf = new Map<string, WorldStage>();
  for (const p of pipelines) for (const st of p.stages) stageOf.set(`${p.key}|${st.key}`, st);
  for (let q = -4; q <= 1; q++) {
    const start = Date.UTC(now.getUTCFullYear(), quarterStartMonth + q * 3, 1);
    const endExclusive = Date.UTC(now.getUTCFullYear(), quarterStartMonth + (q + 1) * 3, 1);
    const end = endExclusive - DAY;
    const volume = new Map<number, number>();
    for (const d of deals) {
      if (d.amount === null) continue;
      const st = stageOf.get(`${d.pipelineKey}|${d.stageKey}`);
      const at = st?.isClosed
        ? d.closedAt
          ? Date.parse(d.closedAt)
          : Number.NaN
        : d.closeDate
          ? Date.parse(d.closeDate)
          : Number.NaN;
      if (!(at >= start && at < endExclusive) || d.ownerN === null) continue;
      const add = st?.isWon ? d.amount : st?.isClosed ? 0 : 0.7 * d.amount;
      volume.set(d.ownerN, (volume.get(d.ownerN) ?? 0) + add);
    }
    const teamMean = owners.length > 0 ? [...volume.values()].reduce((x, y) => x + y, 0) / owners.length : 0;
    let total = 0;
    for (const owner of owners) {
      const base = volume.get(owner.n) || teamMean || 10_000;
      const amount = Math.max(1_000, Math.round((base * (0.85 + 0.5 * uniform(rng))) / 1000) * 1000);
      total += amount;
      targets.push({ ownerN: owner.n, periodStart: day(start), periodEnd: day(end), amount });
    }
    targets.push({ ownerN: null, periodStart: day(start), periodEnd: day(end), amount: total });
  }
  return targets;
}

function iso(ms: number): string {
  return fastIso(Math.round(ms));
}

function day(ms: number): string {
  return fastIso(Math.round(ms)).slice(0, 10);
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}
