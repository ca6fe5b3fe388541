/**
 * Sandbox benchmark: generate a 100,000-deal world (time, peak memory), then serve it through the
 * official HubSpot SDK with the rate limiter off (page all deals, batch reads, association reads,
 * searches; requests per second). BENCH_QUICK=1 runs a 2,000-deal world for a smoke run.
 */
import { Client } from '@hubspot/api-client';
import { generateWorld } from '../src/sandbox/generator/generate-world.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/start-hubspot-sandbox.ts';

const quick = process.env.BENCH_QUICK === '1';
const deals = quick ? 2_000 : 100_000;
const figures: Record<string, number> = { deals };

function line(label: string, value: string): void {
  console.log(`${label.padEnd(44)} ${value}`);
}

const t0 = performance.now();
const world = generateWorld({ seed: 1, deals, now: '2026-11-27T00:00:00.000Z' });
figures.generateMs = Math.round(performance.now() - t0);
figures.activities = world.activities.length;
figures.contacts = world.contacts.length;
figures.generatePeakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
line('world', `${deals} deals, ${world.activities.length} activities, ${world.contacts.length} contacts`);
line('generate', `${figures.generateMs} ms, peak RSS ${figures.generatePeakRssMiB} MiB`);

const t1 = performance.now();
const sandbox = await startHubSpotSandbox({
  world,
  rateLimits: { tenSecondly: null, daily: null, searchPerSecond: null },
});
figures.startMs = Math.round(performance.now() - t1);
line('start sandbox', `${figures.startMs} ms`);
const client = new Client({ accessToken: sandbox.accessToken, basePath: sandbox.baseUrl });

try {
  // Page every deal, 100 per request.
  let after: string | undefined;
  let pages = 0;
  let seen = 0;
  const t2 = performance.now();
  do {
    const page = await client.crm.deals.basicApi.getPage(100, after, [
      'dealname',
      'dealstage',
      'amount',
      'closedate',
      'hubspot_owner_id',
    ]);
    seen += page.results.length;
    after = page.paging?.next?.after;
    pages++;
  } while (after && pages < 10_000);
  const pageMs = performance.now() - t2;
  figures.pageAllDealsMs = Math.round(pageMs);
  figures.pageRequestsPerSecond = Math.round((pages / pageMs) * 1000);
  line(
    'page all deals (100/page)',
    `${seen} deals, ${pages} requests, ${figures.pageAllDealsMs} ms, ${figures.pageRequestsPerSecond} req/s`,
  );

  // Batch reads of 100 deals with stage history.
  const batches = quick ? 20 : 200;
  const t3 = performance.now();
  for (let b = 0; b < batches; b++) {
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      id: String(30_000_000_001 + ((b * 100 + i) % deals)),
    }));
    await client.crm.deals.batchApi.read({
      inputs,
      properties: ['dealstage', 'amount'],
      propertiesWithHistory: ['dealstage'],
    });
  }
  const batchMs = performance.now() - t3;
  figures.batchReadRequestsPerSecond = Math.round((batches / batchMs) * 1000);
  line(
    'batch read 100 deals + dealstage history',
    `${batches} requests, ${Math.round(batchMs)} ms, ${figures.batchReadRequestsPerSecond} req/s`,
  );

  // Association batch reads: 1,000 deals -> emails per request.
  const assocBatches = quick ? 2 : 20;
  const t4 = performance.now();
  let links = 0;
  for (let b = 0; b < assocBatches; b++) {
    const inputs = Array.from({ length: 1000 }, (_, i) => ({
      id: String(30_000_000_001 + ((b * 1000 + i) % deals)),
    }));
    const res = await client.crm.associations.v4.batchApi.getPage('deals', 'emails', { inputs });
    links += res.results.reduce((s, r) => s + r.to.length, 0);
  }
  const assocMs = performance.now() - t4;
  figures.associationReadRequestsPerSecond = Math.round((assocBatches / assocMs) * 1000);
  line(
    'associations v4 batch read 1,000 deals->emails',
    `${assocBatches} requests, ${links} links, ${Math.round(assocMs)} ms, ${figures.associationReadRequestsPerSecond} req/s (first builds the index)`,
  );

  // Searches over all deals (a full scan per request, as an incremental sync would send).
  const searches = quick ? 5 : 5;
  const t5 = performance.now();
  for (let s = 0; s < searches; s++) {
    await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'hs_lastmodifieddate',
              operator: 'GTE' as never,
              value: String(Date.parse('2026-11-01T00:00:00Z')),
            },
          ],
        },
      ],
      sorts: ['hs_lastmodifieddate'],
      properties: ['dealname'],
      limit: 200,
      after: '0',
    });
  }
  const searchMs = performance.now() - t5;
  figures.searchMsEach = Math.round(searchMs / searches);
  line('search deals by hs_lastmodifieddate', `${searches} requests, ${figures.searchMsEach} ms each`);

  // Batch updates of 100 deals.
  const updates = quick ? 10 : 100;
  const t6 = performance.now();
  for (let b = 0; b < updates; b++) {
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      id: String(30_000_000_001 + ((b * 100 + i) % deals)),
      properties: { hs_next_step: `bench ${b}` },
    }));
    await client.crm.deals.batchApi.update({ inputs });
  }
  const updateMs = performance.now() - t6;
  figures.batchUpdateRequestsPerSecond = Math.round((updates / updateMs) * 1000);
  line(
    'batch update 100 deals',
    `${updates} requests, ${Math.round(updateMs)} ms, ${figures.batchUpdateRequestsPerSecond} req/s`,
  );
} finally {
  await sandbox.close();
}
figures.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
line('peak RSS (whole run)', `${figures.peakRssMiB} MiB`);
console.log(JSON.stringify(figures));
