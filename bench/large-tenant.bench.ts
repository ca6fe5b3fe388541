// `BENCH_ONLY=large-tenant npm run bench`: one tenant with BENCH_DEALS deals (default 1,000,000, half
// closed; BENCH_QUICK=1: 20,000) and ~30 activities each, built directly into Redis through the store
// (no sandbox sync), taken through the score, write-back, alert and train steps as the worker runs them.
// Write-back and alert tasks go to a counting stand-in that answers like HubSpot's batch update
// and create (100 per call, every record written or created). Prints per-step wall time, this process's peak RSS (it is the worker) and
// Redis bytes per deal, and ends with one JSON line. Targets: peak RSS <= 1 GiB, Redis <= 2 KB/deal.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Job } from 'bullmq';
import type { AlertTask, CrmConnector, EffectOptions, HealthWrite } from '../connectors/crm-connector.ts';
import type { JobDeps } from '../jobs/job-deps.ts';
import { alertJob } from '../jobs/alert.job.ts';
import { finalizeJob } from '../jobs/finalize.job.ts';
import { scoreJob } from '../jobs/score.job.ts';
import { trainJob } from '../jobs/train.job.ts';
import { writeBackJob } from '../jobs/write-back.job.ts';
import { parseTenants } from '../src/config/tenants-file.ts';
import type { Account, Activity, Contact, Deal, Pipeline } from '../src/domain/index.ts';
import { mulberry32 } from '../src/scoring/calibration/rng.ts';
import { createLogger } from '../src/shared/logger.ts';
import { resolveRedis } from '../src/store/redis-connection.ts';
import { TenantStateStore } from '../src/store/tenant-state.store.ts';

const DEALS = Number(process.env.BENCH_DEALS ?? (process.env.BENCH_QUICK === '1' ? 20_000 : 1_000_000));
const ACTIVITIES = 30;
const PAGE = 1_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const HUBSPOT_BATCH = 100;

const pipeline: Pipeline = {
  id: 'sales',
  label: 'Sales',
  stages: [
    ...['qualify', 'discover', 'propose', 'negotiate'].map((id, order) => ({
      id,
      label: id,
      order,
      isClosed: false,
      isWon: false,
      probability: 0.1 + order * 0.2,
    })),
    { id: 'won', label: 'Won', order: 4, isClosed: true, isWon: true, probability: 1 },
    { id: 'lost', label: 'Lost', order: 5, isClosed: true, isWon: false, probability: 0 },
  ],
};
const ACCOUNTS = Math.max(1, Math.floor(DEALS / 20));
const CONTACTS = Math.max(4, Math.floor(DEALS / 5));
const TYPES: Activity['type'][] = ['email', 'email', 'email', 'call', 'meeting', 'note', 'task'];
const iso = (ms: number) => new Date(ms).toISOString();

function makeDeal(i: number, rand: () => number): { deal: Deal; activities: Activity[] } {
  const id = `d${i}`;
  const outcome = i % 2 === 0 ? null : rand() < 0.35 ? 'won' : 'lost';
  const created = NOW - (30 + Math.floor(rand() * 300)) * DAY;
  const closedAt = outcome ? NOW - Math.floor(rand() * 365) * DAY : null;
  const end = closedAt ?? NOW;
  const contactIds = [0, 1, 2].map((k) => `c${(i * 3 + k) % CONTACTS}`);
  const activities: Activity[] = [];
  for (let k = 0; k < ACTIVITIES; k++) {
    const type = TYPES[Math.floor(rand() * TYPES.length)]!;
    const at = Math.max(created, end - Math.floor(rand() * 120 * DAY));
    activities.push({
      id: `${id}-${k}`,
      type,
      dealIds: [id],
      occurredAt: iso(at),
      direction: type === 'email' || type === 'call' ? (rand() < 0.4 ? 'inbound' : 'outbound') : null,
      ownerId: `o${i % 50}`,
      contactIds: [contactIds[k % 3]!],
      isReply: type === 'email' ? rand() < 0.5 : null,
      callOutcome: type === 'call' ? (rand() < 0.5 ? 'connected' : 'no_answer') : null,
      durationSeconds: type === 'call' ? Math.floor(rand() * 1800) : null,
      meetingOutcome: type === 'meeting' ? (rand() < 0.85 ? 'completed' : 'no_show') : null,
      dueAt: type === 'task' ? iso(at + 7 * DAY) : null,
      taskStatus: type === 'task' ? (rand() < 0.5 ? 'open' : 'completed') : null,
      bodyLength: Math.floor(rand() * 600),
    });
  }
  const stage = Math.floor(rand() * 4);
  const history = [{ stageId: 'qualify', enteredAt: iso(created) }];
  for (let s = 1; s <= stage; s++)
    history.push({ stageId: pipeline.stages[s]!.id, enteredAt: iso(Math.min(end, created + s * 10 * DAY)) });
  if (outcome && closedAt !== null) history.push({ stageId: outcome, enteredAt: iso(closedAt) });
  const deal: Deal = {
    id,
    name: `Deal ${i}`,
    pipelineId: 'sales',
    stageId: outcome ?? pipeline.stages[stage]!.id,
    isClosed: outcome !== null,
    isWon: outcome === 'won',
    amount: 1000 + Math.floor(rand() * 100_000),
    currency: 'EUR',
    closeDate: iso(end + Math.floor(rand() * 60 - 20) * DAY).slice(0, 10),
    createdAt: iso(created),
    updatedAt: iso(end - DAY),
    closedAt: closedAt === null ? null : iso(closedAt),
    ownerId: `o${i % 50}`,
    accountId: `a${i % ACCOUNTS}`,
    nextStep: rand() < 0.7 ? 'Call back' : null,
    nextStepUpdatedAt: iso(end - Math.floor(rand() * 40) * DAY),
    contacts: [{ contactId: contactIds[0]!, role: 'Decision Maker', isPrimary: true }],
    stageHistory: history,
    closeDateChanges: [],
    amountChanges: [],
    fields: {},
  };
  return { deal, activities };
}

/** Answers like HubSpot's batch update: 100 records per call, each written; counts the calls. */
function countingCrm(): CrmConnector & { written: number; tasks: number } {
  let calls = 0;
  const stand = {
    crm: 'hubspot' as const,
    written: 0,
    async writeHealth(writes: HealthWrite[]) {
      calls += Math.ceil(writes.length / HUBSPOT_BATCH);
      stand.written += writes.length;
      return { written: writes.map((w) => w.dealId), failed: [] };
    },
    async readHealth() {
      return new Map();
    },
    usage: () => ({ calls, callsByEndpoint: {}, rateLimited: 0, daily: { used: null, max: null } }),
    bootstrapSchema: () => Promise.reject(new Error('not in this benchmark')),
    fetchMetadata: () => Promise.reject(new Error('not in this benchmark')),
    pull: () => {
      throw new Error('not in this benchmark');
    },
    tasks: 0,
    async createAlertTasks(tasks: AlertTask[], options?: EffectOptions) {
      const created: { key: string; taskId: string }[] = [];
      for (let i = 0; i < tasks.length; i += HUBSPOT_BATCH) {
        const batch = tasks.slice(i, i + HUBSPOT_BATCH);
        await options?.beforeBatch?.(batch.map((t) => t.key));
        calls += 1;
        for (const t of batch) created.push({ key: t.key, taskId: `task-${++stand.tasks}` });
      }
      return { created, existing: [], failed: [] };
    },
  };
  return stand;
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
function exposedGc(): (() => void) | undefined {
  if (process.env.BENCH_RETAINED !== '1') return undefined;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const forceGc = exposedGc();
const redis = await resolveRedis(process.env.REDIS_URL);
const client = redis.createClient();
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
const prefix = `bench${Date.now() % 100_000}`;
const store = new TenantStateStore(client, prefix, 'large');
const [tenant] = parseTenants({
  tenants: [
    {
      id: 'large',
      name: 'Large',
      connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'pat-bench' } },
    },
  ],
});
const crm = countingCrm();
const deps: JobDeps = {
  tenant: async () => tenant!,
  store: () => store,
  connector: () => crm,
  now: () => NOW,
  logger: createLogger({ level: 'silent' }),
};

try {
  const memBefore = await usedMemory();
  const buildStart = performance.now();
  const rand = mulberry32(19);
  await store.sync.saveMetadata({
    pipelines: [pipeline],
    owners: Array.from({ length: 50 }, (_, i) => ({
      id: `o${i}`,
      name: `Owner ${i}`,
      email: null,
      team: `t${i % 5}`,
    })),
    targets: [],
  });
  // In a block: the worker does not hold the build's accounts and contacts, so neither do the steps.
  {
    const accounts: Account[] = Array.from({ length: ACCOUNTS }, (_, i) => ({
      id: `a${i}`,
      name: `Account ${i}`,
      industry: ['Software', 'Retail', 'Finance'][i % 3]!,
      employees: 50 + (i % 500),
      annualRevenue: null,
    }));
    const contacts: Contact[] = Array.from({ length: CONTACTS }, (_, i) => ({
      id: `c${i}`,
      name: `Contact ${i}`,
      email: null,
      title: i % 4 === 0 ? 'VP Finance' : 'Engineer',
      accountId: `a${i % ACCOUNTS}`,
    }));
    for (let start = 0; start < DEALS; start += PAGE) {
      const deals: Deal[] = [];
      const activities: Activity[] = [];
      for (let i = start; i < Math.min(DEALS, start + PAGE); i++) {
        const made = makeDeal(i, rand);
        deals.push(made.deal);
        activities.push(...made.activities);
      }
      await store.sync.savePage({
        deals,
        activities,
        contacts: [...new Set(activities.flatMap((a) => a.contactIds))].map(
          (id) => contacts[Number(id.slice(1))]!,
        ),
        accounts: [...new Set(deals.map((d) => d.accountId!))].map((id) => accounts[Number(id.slice(1))]!),
        deletedDealIds: [],
        quarantined: [],
        cursor: `built-${start}`,
      });
      if ((start / PAGE) % 100 === 0) process.stderr.write(`  built ${start + PAGE} deals\n`);
    }
  }
  const buildMs = performance.now() - buildStart;
  const builtBytes = (await usedMemory()) - memBefore;
  const rssAfterBuild = process.resourceUsage().maxRSS * 1024;

  const payload = {
    tenantId: 'large',
    runId: 'large.bench',
    trigger: 'manual' as const,
    asOf: iso(NOW),
    fullResync: false,
  };
  // As a worker holds the step: a job id and lock token, claimed for the effect fence.
  const job = { id: 'large.bench.step', token: 'bench-token', name: 'bench' } as Job;
  await store.runs.effectFence({ jobId: job.id!, token: job.token! }).claim();
  // Per-step peak RSS: maxRSS cannot be reset, so RSS is sampled while each step runs.
  const timed = async <T>(fn: () => Promise<T>) => {
    const t = performance.now();
    // RSS does not shrink after a collection, so the JS heap in use is sampled too (what a step holds).
    const startRss = process.memoryUsage.rss();
    let peak = startRss;
    let peakHeap = 0;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage.rss());
      const heap = getHeapStatistics();
      peakHeap = Math.max(peakHeap, heap.used_heap_size + heap.external_memory);
    };
    const sampler = setInterval(sample, 50);
    // BENCH_RETAINED=1: a full collection every 2 s, so the heap measured is what the step holds
    // (slower; RSS is then lower than a normal run's).
    let peakLive = 0;
    const live = () => {
      forceGc?.();
      peakLive = Math.max(peakLive, getHeapStatistics().used_heap_size);
    };
    const liveSampler = forceGc ? setInterval(live, 2_000) : undefined;
    try {
      const value = await fn();
      sample();
      if (forceGc) live();
      return { value, ms: Math.round(performance.now() - t), startRss, peakRss: peak, peakHeap, peakLive };
    } finally {
      clearInterval(sampler);
      clearInterval(liveSampler);
    }
  };
  const score = await timed(() => scoreJob.process(job, payload, deps));
  const writeBack = await timed(() => writeBackJob.process(job, payload, deps));
  const alert = await timed(() => alertJob.process(job, payload, deps));
  const train = await timed(() =>
    trainJob.process(job, { tenantId: 'large', asOf: iso(NOW), seed: 1 }, deps),
  );
  // The run is recorded as the cycle's last step does, so Redis is measured at rest between cycles.
  await finalizeJob.process(job, payload, deps);
  const finalBytes = (await usedMemory()) - memBefore;
  const storedDeals = await store.deals.dealCount();
  // Where the bytes are: every key of the tenant with MEMORY USAGE (SAMPLES 0: every field counted).
  const perKey: [string, number][] = [];
  let scan = '0';
  do {
    const [next, keys] = await client.scan(scan, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    scan = next;
    for (const key of keys) {
      const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      perKey.push([key.slice(key.lastIndexOf('}:') + 2), bytes]);
    }
  } while (scan !== '0');
  perKey.sort((a, b) => b[1] - a[1]);

  const figures = {
    bench: 'large-tenant',
    deals: DEALS,
    closed: Math.floor(DEALS / 2),
    activitiesPerDeal: ACTIVITIES,
    buildMs: Math.round(buildMs),
    scoreMs: score.ms,
    writeBackMs: writeBack.ms,
    alertMs: alert.ms,
    trainMs: train.ms,
    alertCandidates: alert.value.candidates,
    alertsRaised: alert.value.raised,
    alertsCapped: alert.value.suppressedByCap,
    scored: score.value.scored,
    written: writeBack.value.written,
    writeCalls: writeBack.value.apiCalls,
    trainStatus: train.value.status,
    scorePeakRssMiB: mib(score.peakRss),
    writeBackPeakRssMiB: mib(writeBack.peakRss),
    alertPeakRssMiB: mib(alert.peakRss),
    trainPeakRssMiB: mib(train.peakRss),
    scorePeakHeapMiB: mib(score.peakHeap),
    writeBackPeakHeapMiB: mib(writeBack.peakHeap),
    alertPeakHeapMiB: mib(alert.peakHeap),
    trainPeakHeapMiB: mib(train.peakHeap),
    rssBeforeStepsMiB: mib(score.startRss),
    ...(forceGc
      ? {
          scoreLiveMiB: mib(score.peakLive),
          writeBackLiveMiB: mib(writeBack.peakLive),
          alertLiveMiB: mib(alert.peakLive),
          trainLiveMiB: mib(train.peakLive),
        }
      : {}),
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    heapLimitMiB: mib(getHeapStatistics().heap_size_limit),
    peakRssAfterBuildMiB: mib(rssAfterBuild),
    redisBytesPerDealBuilt: Math.round(builtBytes / Math.max(1, storedDeals)),
    redisBytesPerDeal: Math.round(finalBytes / Math.max(1, storedDeals)),
    redisBytesPerDealByKey: Object.fromEntries(
      perKey.slice(0, 8).map(([key, bytes]) => [key, Math.round(bytes / Math.max(1, storedDeals))]),
    ),
  };
  console.log(`large tenant: ${DEALS} deals (${figures.closed} closed), ${ACTIVITIES} activities each`);
  console.log(`  build (through the store)   ${(figures.buildMs / 1000).toFixed(1)} s`);
  console.log(
    `  score                       ${(figures.scoreMs / 1000).toFixed(1)} s (${figures.scored} open scored), peak RSS ${figures.scorePeakRssMiB} MiB (${figures.rssBeforeStepsMiB} before), heap ${figures.scorePeakHeapMiB} MiB`,
  );
  console.log(
    `  write-back                  ${(figures.writeBackMs / 1000).toFixed(1)} s (${figures.written} written, ${figures.writeCalls} calls), peak RSS ${figures.writeBackPeakRssMiB} MiB, heap ${figures.writeBackPeakHeapMiB} MiB`,
  );
  console.log(
    `  alert                       ${(figures.alertMs / 1000).toFixed(1)} s (${figures.alertCandidates} candidates, ${figures.alertsRaised} raised, ${figures.alertsCapped} over the owners' daily cap), peak RSS ${figures.alertPeakRssMiB} MiB, heap ${figures.alertPeakHeapMiB} MiB`,
  );
  console.log(
    `  train                       ${(figures.trainMs / 1000).toFixed(1)} s (${figures.trainStatus}), peak RSS ${figures.trainPeakRssMiB} MiB, heap ${figures.trainPeakHeapMiB} MiB`,
  );
  console.log(
    `  peak RSS (worker)           ${figures.peakRssMiB} MiB (after build ${figures.peakRssAfterBuildMiB} MiB; V8 heap limit ${figures.heapLimitMiB} MiB)`,
  );
  if (forceGc)
    console.log(
      `  heap held (after a full GC) score ${figures.scoreLiveMiB} MiB, write-back ${figures.writeBackLiveMiB} MiB, alert ${figures.alertLiveMiB} MiB, train ${figures.trainLiveMiB} MiB`,
    );
  console.log(
    `  Redis per deal              ${figures.redisBytesPerDeal} B (deals + ledgers alone: ${figures.redisBytesPerDealBuilt} B)`,
  );
  console.log(
    `  largest keys, B per deal    ${Object.entries(figures.redisBytesPerDealByKey)
      .map(([key, b]) => `${key} ${b}`)
      .join(', ')}`,
  );
  const line = {
    bench: figures.bench,
    deals: figures.deals,
    closed: figures.closed,
    scoreMs: figures.scoreMs,
    writeBackMs: figures.writeBackMs,
    alertMs: figures.alertMs,
    trainMs: figures.trainMs,
    peakRssMiB: figures.peakRssMiB,
    redisBytesPerDeal: figures.redisBytesPerDeal,
  };
  console.log(JSON.stringify(line));
} finally {
  await store.purge();
  client.disconnect();
  await redis.close();
}
