/**
 * HubSpot connector benchmark: a full sync and write-back of a generated world against the
 * embedded sandbox at HubSpot Professional's real limits (190 requests per 10 s, 5 searches per
 * second). Prints calls used against the minimum the page/batch limits allow, wall time against
 * the rate-limit floor ((calls - burst) / allowed rate) and the rolling window's whole-window minimum,
 * 429s received and peak memory.
 *
 *   npx node bench/hubspot-connector.bench.ts            # 20,000 deals
 *   BENCH_QUICK=1 npx node bench/hubspot-connector.bench.ts   # 1,000 deals
 *
 * The sandbox runs in the same process, so peak memory includes the sandbox's world.
 */
import type { SyncPage } from '../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../connectors/hubspot/hubspot.connector.ts';
import { CRM_LIMITS } from '../connectors/shared/crm-limits.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../src/shared/logger.ts';
import { hubspotLimit, overFloor, rateLimitFloorMs, rollingWindowMinimumMs } from './rate-limit-floor.ts';

const quick = process.env.BENCH_QUICK === '1';
const dealCount = quick ? 1_000 : 20_000;
const limits = CRM_LIMITS.hubspot;

/** The fewest calls the page and batch limits allow for what a page holds (see the sync test). */
function pageMinimum(p: SyncPage): number {
  const dealsRead = p.deals.length + p.quarantined.filter((q) => q.objectType === 'deals').length;
  if (dealsRead === 0) return 0;
  let n = Math.ceil(dealsRead / limits.historyBatchSize) + 7;
  for (const type of ['email', 'call', 'meeting', 'note', 'task']) {
    const count = new Set(p.activities.filter((a) => a.type === type).map((a) => a.id)).size;
    if (count > 0) n += Math.ceil(count / limits.batchSize) + Math.ceil(count / limits.associationBatchSize);
  }
  if (p.contacts.length > 0) n += Math.ceil(p.contacts.length / limits.batchSize);
  if (p.accounts.length > 0) n += Math.ceil(p.accounts.length / limits.batchSize);
  return n;
}

const genStart = performance.now();
const sandbox = await startHubSpotSandbox({
  seed: 42,
  deals: dealCount,
  rateLimits: { tenSecondly: 190, daily: 625_000, searchPerSecond: 5 },
});
const genMs = performance.now() - genStart;
const connector = createHubSpotConnector({
  connection: {
    crm: 'hubspot',
    auth: { type: 'private_app', accessToken: sandbox.accessToken },
    basePath: sandbox.baseUrl,
    developmentTarget: true,
  },
  logger: createLogger({ level: 'error' }),
});

try {
  const start = performance.now();
  await connector.bootstrapSchema();
  const bootstrapCalls = connector.usage().calls;
  let deals = 0;
  let activities = 0;
  let quarantined = 0;
  let dealsRead = 0;
  let minimum = bootstrapCalls + 1; // bootstrap calls as made, plus the pipelines read
  const open: string[] = [];
  for await (const page of connector.pull(null)) {
    deals += page.deals.length;
    activities += page.activities.length;
    quarantined += page.quarantined.length;
    dealsRead += page.deals.length + page.quarantined.filter((q) => q.objectType === 'deals').length;
    minimum += pageMinimum(page);
    for (const d of page.deals) if (!d.isClosed) open.push(d.id);
  }
  minimum += Math.max(1, Math.ceil(dealsRead / limits.searchPageSize));
  const pullMs = performance.now() - start;
  const outcome = await connector.writeHealth(
    open.map((dealId, i) => ({
      dealId,
      values: { score: i % 101, band: i % 3 === 0 ? 'healthy' : 'watch', scoredAt: new Date().toISOString() },
    })),
  );
  minimum += Math.ceil(open.length / limits.batchSize);
  const totalMs = performance.now() - start;
  const usage = connector.usage();
  const floorMs = rateLimitFloorMs(usage.calls, hubspotLimit(limits));
  const windowMinimumMs = rollingWindowMinimumMs(usage.calls, hubspotLimit(limits));
  const figures = {
    deals: dealCount,
    dealsPulled: deals,
    activities,
    quarantined,
    written: outcome.written.length,
    writeFailures: outcome.failed.length,
    calls: usage.calls,
    minimumCalls: minimum,
    callsOverMinimum: usage.calls - minimum,
    wallSeconds: Math.round(totalMs / 100) / 10,
    pullSeconds: Math.round(pullMs / 100) / 10,
    floorSeconds: Math.round(floorMs / 100) / 10,
    wallOverFloor: overFloor(totalMs, floorMs),
    windowMinimumSeconds: windowMinimumMs / 1000,
    wallOverWindowMinimum: overFloor(totalMs, windowMinimumMs),
    rateLimited429: usage.rateLimited,
    sandbox429: sandbox.inspect.rateLimited().length,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    worldSetupSeconds: Math.round(genMs / 100) / 10,
  };
  console.log(`HubSpot connector: full sync + write-back of ${dealCount} deals at 190 req / 10 s`);
  console.log(
    `  pulled ${deals} deals, ${activities} activities, ${quarantined} quarantined; wrote ${outcome.written.length}`,
  );
  console.log(`  API calls: ${usage.calls} (minimum ${minimum}, over by ${usage.calls - minimum})`);
  console.log(
    `  wall time: ${figures.wallSeconds} s (pull ${figures.pullSeconds} s); rate-limit floor ${figures.floorSeconds} s; ratio ${figures.wallOverFloor}; whole-window minimum ${figures.windowMinimumSeconds} s, ratio ${figures.wallOverWindowMinimum}`,
  );
  console.log(`  429s received: ${usage.rateLimited} (sandbox served ${figures.sandbox429})`);
  console.log(
    `  peak RSS: ${figures.peakRssMiB} MiB (sandbox in-process); world setup ${figures.worldSetupSeconds} s`,
  );
  console.log(`  calls by endpoint: ${JSON.stringify(usage.callsByEndpoint)}`);
  console.log(JSON.stringify(figures));
} finally {
  await sandbox.close();
}
