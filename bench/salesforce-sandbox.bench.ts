/**
 * Salesforce sandbox benchmark: generate a world (20,000 deals; BENCH_QUICK=1: 1,000), start the
 * Salesforce surface on it (time, peak memory), then through jsforce: page every open
 * Opportunity with relationship fields, page every Task changed in the last year, and update
 * Opportunities in collections of 200. Prints readable lines, then one JSON line of the figures.
 */
import jsforce from 'jsforce';
import { generateWorld } from '../src/sandbox/generator/generate-world.ts';
import { startSalesforceSandbox } from '../src/sandbox/salesforce/salesforce-sandbox.ts';

const quick = process.env.BENCH_QUICK === '1';
const deals = quick ? 1_000 : 20_000;
const now = '2026-11-27T00:00:00.000Z';
const figures: Record<string, number> = { deals };

function line(label: string, value: string): void {
  console.log(`${label.padEnd(40)} ${value}`);
}

const t0 = performance.now();
const world = generateWorld({ seed: 1, deals, now });
figures.generateMs = Math.round(performance.now() - t0);
figures.activities = world.activities.length;
line('world', `${deals} deals, ${world.activities.length} activities`);

const t1 = performance.now();
const sandbox = await startSalesforceSandbox({ world, now: () => new Date(now), dailyApiLimit: 10_000_000 });
figures.startMs = Math.round(performance.now() - t1);
figures.startPeakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
line('start sandbox (render records)', `${figures.startMs} ms, peak RSS ${figures.startPeakRssMiB} MiB`);
const conn = new jsforce.Connection({
  instanceUrl: sandbox.baseUrl,
  accessToken: sandbox.accessToken,
  version: '62.0',
});

async function timedQuery(label: string, key: string, soql: string): Promise<string[]> {
  const calls = sandbox.apiUsage().used;
  const t = performance.now();
  const result = await conn.query<{ Id: string }>(soql, { autoFetch: true, maxFetch: 100_000_000 });
  const ms = performance.now() - t;
  const requests = sandbox.apiUsage().used - calls;
  figures[`${key}Records`] = result.records.length;
  figures[`${key}Ms`] = Math.round(ms);
  figures[`${key}RecordsPerSecond`] = Math.round((result.records.length / ms) * 1000);
  line(
    label,
    `${result.records.length} records, ${requests} requests, ${Math.round(ms)} ms, ${figures[`${key}RecordsPerSecond`]} records/s`,
  );
  return result.records.map((r) => r.Id);
}

try {
  const open = await timedQuery(
    'open opportunities (+Account, Owner)',
    'openOpps',
    'SELECT Id, Name, StageName, Amount, CloseDate, Account.Industry, Owner.Name, SystemModstamp FROM Opportunity WHERE IsClosed = false ORDER BY SystemModstamp',
  );
  await timedQuery(
    'tasks changed in the last year',
    'tasks',
    'SELECT Id, WhatId, WhoId, Subject, TaskSubtype, CallType, ActivityDate, Status, SystemModstamp FROM Task WHERE SystemModstamp >= 2025-11-27T00:00:00Z ORDER BY SystemModstamp',
  );

  const toWrite = open.slice(0, quick ? 1_000 : 10_000);
  const t2 = performance.now();
  let failed = 0;
  for (let i = 0; i < toWrite.length; i += 200) {
    const batch = toWrite.slice(i, i + 200).map((Id, j) => ({ Id, NextStep: `Benchmark step ${i + j}` }));
    const results = (await conn.sobject('Opportunity').update(batch)) as { success: boolean }[];
    failed += results.filter((r) => !r.success).length;
  }
  const writeMs = performance.now() - t2;
  figures.updatedRecords = toWrite.length;
  figures.updateFailures = failed;
  figures.updateMs = Math.round(writeMs);
  figures.updateRecordsPerSecond = Math.round((toWrite.length / writeMs) * 1000);
  line(
    'update NextStep, 200 per collection',
    `${toWrite.length} records, ${Math.ceil(toWrite.length / 200)} requests, ${figures.updateMs} ms, ${figures.updateRecordsPerSecond} records/s`,
  );
} finally {
  await sandbox.close();
}
figures.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
line('peak RSS', `${figures.peakRssMiB} MiB`);
console.log(JSON.stringify(figures));
