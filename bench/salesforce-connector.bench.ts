/**
 * Salesforce connector benchmark: a full sync and write-back of N opportunities with their
 * activities against the embedded sandbox (in this process, so peak memory includes the sandbox's
 * world). Prints calls against the batch-limit minimums (REST and Bulk API), wall time and peak
 * memory, then one JSON line. `npx node bench/salesforce-connector.bench.ts`; BENCH_QUICK=1 runs
 * 1,000 instead of 20,000; BENCH_BULK=0 keeps the full sync on REST (the connector's `bulk: false`);
 * BENCH_BULK_MAX_RECORDS sets the connector's `bulkMaxRecords`.
 */
import { Writable } from 'node:stream';
import { Connection } from 'jsforce';
import { SALESFORCE_LIMITS } from '../connectors/salesforce/salesforce-limits.ts';
import { createSalesforceConnector } from '../connectors/salesforce/salesforce.connector.ts';
import type { FullSyncReadPlan } from '../connectors/crm-connector.ts';
import { changedHealthFields } from '../src/domain/index.ts';
import { generateWorld } from '../src/sandbox/generator/generate-world.ts';
import { startSalesforceSandbox } from '../src/sandbox/salesforce/salesforce-sandbox.ts';
import { createLogger } from '../src/shared/logger.ts';

const quick = process.env.BENCH_QUICK === '1';
const deals = quick ? 1_000 : 20_000;
const NOW = '2026-11-20T00:00:00.000Z';

const world = generateWorld({ seed: 42, deals, now: NOW });
const sandbox = await startSalesforceSandbox({ world });
const logger = createLogger({
  level: 'error',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});
const connection = {
  crm: 'salesforce' as const,
  auth: {
    type: 'refresh_token' as const,
    clientId: sandbox.oauth.clientId,
    clientSecret: sandbox.oauth.clientSecret,
    refreshToken: sandbox.oauth.refreshToken,
  },
  loginUrl: sandbox.baseUrl,
  developmentTarget: true,
  apiVersion: '62.0',
};

try {
  await createSalesforceConnector({ connection, logger, assignPermissionSet: true }).bootstrapSchema();
  const admin = new Connection({
    instanceUrl: sandbox.baseUrl,
    accessToken: sandbox.accessToken,
    version: '62.0',
  });
  const count = async (soql: string) => (await admin.query(soql)).totalSize;
  const rows = [
    await count('SELECT COUNT() FROM Opportunity'),
    await count('SELECT COUNT() FROM OpportunityHistory'),
    await count('SELECT COUNT() FROM OpportunityFieldHistory'),
    await count('SELECT COUNT() FROM OpportunityContactRole'),
    await count('SELECT COUNT() FROM Task WHERE WhatId != null'),
    await count('SELECT COUNT() FROM Event WHERE WhatId != null'),
    await count('SELECT COUNT() FROM EmailMessage WHERE RelatedToId != null'),
    await count('SELECT COUNT() FROM EventRelation'),
    await count('SELECT COUNT() FROM OpportunityStage'),
  ];
  // Rows each Bulk API job of a full sync selects (the same filters as the connector's jobs:
  // activities of existing opportunities, email Tasks left to their EmailMessage, every contact
  // and account of the org).
  const stages = rows[8] as number;
  const onOpportunities = (field: string) => `${field} IN (SELECT Id FROM Opportunity)`;
  const bulkObjects = [
    rows[0] as number,
    rows[1] as number,
    await count(
      "SELECT COUNT() FROM OpportunityFieldHistory WHERE Field IN ('StageName','CloseDate','Amount','NextStep')",
    ),
    rows[3] as number,
    await count(
      `SELECT COUNT() FROM Task WHERE ${onOpportunities('WhatId')} AND Id NOT IN (SELECT ActivityId FROM EmailMessage WHERE RelatedToId != null AND ActivityId != null)`,
    ),
    await count(`SELECT COUNT() FROM Event WHERE ${onOpportunities('WhatId')}`),
    await count(`SELECT COUNT() FROM EmailMessage WHERE ${onOpportunities('RelatedToId')}`),
    rows[7] as number,
    await count('SELECT COUNT() FROM Contact'),
    await count('SELECT COUNT() FROM Account'),
  ];

  const connector = createSalesforceConnector({
    connection,
    logger,
    clock: () => new Date(NOW),
    eventOutcomeField: 'Meeting_Outcome__c',
    // The sandbox finishes a bulk job at its second status check whatever the time; real jobs
    // take seconds to minutes, so the default 2 s first wait would only add idle time here.
    bulkPollIntervalMs: 100,
    ...(process.env.BENCH_BULK === '0' ? { bulk: false } : {}),
    ...(process.env.BENCH_BULK_MAX_RECORDS === undefined
      ? {}
      : { bulkMaxRecords: Number(process.env.BENCH_BULK_MAX_RECORDS) }),
  });
  const rssBeforePull = process.memoryUsage().rss;
  const started = performance.now();
  let dealCount = 0;
  let activities = 0;
  let quarantined = 0;
  let pages = 0;
  const contacts = new Set<string>();
  const accounts = new Set<string>();
  const open: string[] = [];
  let plan: FullSyncReadPlan | undefined;
  for await (const page of connector.pull(null)) {
    pages += 1;
    plan ??= page.readPlan;
    dealCount += page.deals.length;
    activities += page.activities.length;
    quarantined += page.quarantined.length;
    for (const c of page.contacts) contacts.add(c.id);
    for (const a of page.accounts) accounts.add(a.id);
    for (const d of page.deals) if (!d.isClosed) open.push(d.id);
  }
  const pulledAt = performance.now();
  const outcome = await connector.writeHealth(
    open.map((dealId, i) => ({
      dealId,
      values: changedHealthFields(undefined, {
        score: i % 101,
        band: 'watch',
        winProbability: null,
        reasons: 'No buyer reply in 12 days, usually 3',
        trend: 'steady',
        scoredAt: NOW,
        modelVersion: 'prior-v1',
      }),
    })),
  );
  const finished = performance.now();

  const batches = (n: number) => Math.max(1, Math.ceil(n / 2000));
  const writes = Math.ceil(open.length / 200);
  // REST floor: a token, every object read in full 2,000-record batches, the referenced contacts
  // and accounts once each, writes in full 200-record collections.
  const restMinimum =
    1 +
    rows.reduce((sum, n) => sum + batches(n), 0) +
    batches(contacts.size) +
    batches(accounts.size) +
    writes;
  // Bulk API floor: a token, the COUNT() that chooses Bulk, the stages (REST), and per object one
  // job create, one status check that already finds it complete and one results call per
  // `maxRecords` rows; then the same writes. (The sandbox answers the first check InProgress, so
  // a run pays one more check per job than this.)
  const maxRecords = Number(process.env.BENCH_BULK_MAX_RECORDS ?? SALESFORCE_LIMITS.bulkMaxRecords);
  const pagesOf = (n: number) => Math.max(1, Math.ceil(n / maxRecords));
  const bulkMinimum =
    1 + 1 + batches(stages) + bulkObjects.reduce((sum, n) => sum + 2 + pagesOf(n), 0) + writes;
  const usage = connector.usage();
  const usedBulk = Object.keys(usage.callsByEndpoint).some((e) => e.includes('/jobs/query'));
  // A per-object plan: a token, its counts, the stages and the Task alert-key probe, the objects
  // as planned (each bulk job at the plan's status-check estimate), then the writes.
  const planned = plan !== undefined && plan.objects.length > 0;
  const plannedMinimum = planned
    ? 1 + plan!.countCalls + batches(stages) + 1 + plan!.plannedCalls + writes
    : 0;
  const minimum = planned ? plannedMinimum : usedBulk ? bulkMinimum : restMinimum;
  const figures = {
    deals: dealCount,
    activities,
    quarantined,
    pages,
    written: outcome.written.length,
    writeFailures: outcome.failed.length,
    mode: planned ? 'per-object' : usedBulk ? 'bulk' : 'rest',
    readPlan:
      plan === undefined
        ? null
        : {
            countCalls: plan.countCalls,
            restCalls: plan.restCalls,
            bulkCalls: plan.bulkCalls,
            plannedCalls: plan.plannedCalls,
            bulkObjects: plan.objects.filter((o) => o.via === 'bulk').map((o) => o.object),
          },
    calls: usage.calls,
    callsByEndpoint: usage.callsByEndpoint,
    minimumCalls: minimum,
    callsOverMinimum: Number((usage.calls / minimum).toFixed(3)),
    restMinimumCalls: restMinimum,
    callsOverRestMinimum: Number((usage.calls / restMinimum).toFixed(3)),
    pullMs: Math.round(pulledAt - started),
    writeMs: Math.round(finished - pulledAt),
    wallMs: Math.round(finished - started),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssBeforePullMiB: Math.round(rssBeforePull / 1024 / 1024),
  };
  console.log(`salesforce connector, ${deals} opportunities${quick ? ' (quick)' : ''}`);
  console.log(
    `  pulled ${figures.deals} deals, ${figures.activities} activities, ${figures.quarantined} quarantined, in ${figures.pages} pages`,
  );
  console.log(`  wrote ${figures.written} open deals (${figures.writeFailures} failed)`);
  console.log(
    `  API calls ${figures.calls} through ${figures.mode} (minimum the batch limits allow that way: ${figures.minimumCalls}, ${figures.callsOverMinimum}x; REST minimum ${figures.restMinimumCalls}, ${figures.callsOverRestMinimum}x)`,
  );
  if (figures.readPlan !== null && planned)
    console.log(
      `  read plan: objects by REST ${figures.readPlan.restCalls} calls, by bulk ${figures.readPlan.bulkCalls}, planned ${figures.readPlan.plannedCalls} (bulk: ${figures.readPlan.bulkObjects.join(', ') || 'none'}) + ${figures.readPlan.countCalls} counts`,
    );
  console.log(`  wall ${figures.wallMs} ms (pull ${figures.pullMs} ms, write ${figures.writeMs} ms)`);
  console.log(
    `  peak RSS ${figures.peakRssMiB} MiB (process, including the in-process sandbox; ${figures.rssBeforePullMiB} MiB before the pull)`,
  );
  console.log(JSON.stringify(figures));
} finally {
  await sandbox.close();
}
