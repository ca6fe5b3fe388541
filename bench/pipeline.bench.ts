// The nightly cycle benchmark (issue 7): one full cycle for a large tenant through the real queues,
// workers and Redis, against the HubSpot sandbox at its real default rate limits (Professional:
// 190 requests per 10 s, 5 searches per second). Prints calls against the connector's minimum,
// wall time against the rate-limit floor ((calls - burst) / allowed rate) and against the rolling
// window's own minimum (whole windows: 10 s x ceil((calls - burst) / burst)), each step's duration,
// the process's CPU time over the cycle, and Redis memory per deal.
// BENCH_DEALS sets the size (default 50,000; BENCH_QUICK=1: 2,000); BENCH_LATENCY_MS delays answers.
import { CRM_LIMITS } from '../connectors/shared/crm-limits.ts';
import { Runtime } from '../src/cli/runtime.ts';
import { parseTenants } from '../src/config/tenants-file.ts';
import { startHubSpotSandbox } from '../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { generateWorld } from '../src/sandbox/generator/generate-world.ts';
import { createLogger } from '../src/shared/logger.ts';
import { resolveRedis } from '../src/store/redis-connection.ts';
import { hubspotLimit, overFloor, rateLimitFloorMs, rollingWindowMinimumMs } from './rate-limit-floor.ts';

const deals = Number(process.env.BENCH_DEALS ?? (process.env.BENCH_QUICK === '1' ? 2_000 : 50_000));
const mib = (kib: number) => Math.round(kib / 1024);

const t0 = performance.now();
const world = generateWorld({ seed: 2026, deals });
const generatedMs = performance.now() - t0;
// BENCH_LATENCY_MS: added to every sandbox answer (default 0: the in-process sandbox answers in
// milliseconds, where HubSpot over the internet takes longer; shows what waiting for answers costs).
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 0);
const sandbox = await startHubSpotSandbox({ world, faults: { latencyMs } });
const redis = await resolveRedis(process.env.REDIS_URL);
const [tenant] = parseTenants({
  tenants: [
    {
      id: 'bench',
      name: 'Bench',
      connection: {
        crm: 'hubspot',
        basePath: sandbox.baseUrl,
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
      },
    },
  ],
});
const runtime = new Runtime({
  redis,
  prefix: `bench-${Date.now()}`,
  logger: createLogger({ level: 'warn', destination: process.stderr as never }),
  tenants: [tenant!],
  concurrency: 2,
  onProgress: (p) => {
    if (p.total === null || p.done === p.total) process.stderr.write(`  ${p.step}: ${p.done} ${p.unit}\n`);
  },
});
const client = redis.createClient();
const memBefore = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);

const started = performance.now();
const cpuBefore = process.cpuUsage();
const summary = await runtime.runCycle(
  { tenantId: 'bench', trigger: 'nightly' },
  { timeoutMs: 3 * 60 * 60_000 },
);
const wallMs = performance.now() - started;
// CPU time of this process over the cycle (worker and in-process sandbox together): on a shared
// machine wall time moves by seconds between identical runs, CPU time much less.
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
const memAfter = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
const steps = summary.steps as Record<string, Record<string, number>>;
const calls = summary.apiCalls;
const floorMs = rateLimitFloorMs(calls, hubspotLimit(CRM_LIMITS.hubspot));
const windowMinimumMs = rollingWindowMinimumMs(calls, hubspotLimit(CRM_LIMITS.hubspot));
const storedDeals = await runtime.deps.store('bench').deals.dealCount();

const figures = {
  deals,
  latencyMs,
  activities: world.activities.length,
  status: summary.status,
  generateWorldMs: Math.round(generatedMs),
  wallMs: Math.round(wallMs),
  cpuMs,
  apiCalls: calls,
  callsByStep: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, v.apiCalls ?? 0])),
  rateLimitFloorMs: Math.round(floorMs),
  wallOverFloor: overFloor(wallMs, floorMs),
  windowMinimumMs: windowMinimumMs,
  wallOverWindowMinimum: overFloor(wallMs, windowMinimumMs),
  stepMs: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Math.round(v.durationMs ?? 0)])),
  rateLimited: summary.rateLimited,
  sandbox429s: sandbox.inspect.rateLimited().length,
  scored: steps.score?.scored ?? 0,
  written: steps['write-back']?.written ?? 0,
  alerts: steps.alert?.raised ?? 0,
  redisBytesPerDeal: Math.round((memAfter - memBefore) / Math.max(1, storedDeals)),
  peakRssMiB: mib(process.resourceUsage().maxRSS),
};
console.log(
  `nightly cycle, ${deals} deals / ${figures.activities} activities${latencyMs > 0 ? `, answers delayed ${latencyMs} ms` : ''}: ${summary.status}`,
);
console.log(
  `  wall ${(wallMs / 1000).toFixed(1)} s vs rate-limit floor ${(floorMs / 1000).toFixed(1)} s (x${figures.wallOverFloor}); vs whole-window minimum ${(windowMinimumMs / 1000).toFixed(1)} s (x${figures.wallOverWindowMinimum})`,
);
console.log(
  `  step durations (ms) ${JSON.stringify(figures.stepMs)}; process CPU ${(cpuMs / 1000).toFixed(1)} s`,
);
console.log(
  `  API calls ${calls} (by step ${JSON.stringify(figures.callsByStep)}), 429s ${figures.sandbox429s}`,
);
console.log(`  scored ${figures.scored}, written ${figures.written}, alerts ${figures.alerts}`);
console.log(
  `  Redis ${figures.redisBytesPerDeal} bytes per deal; peak RSS ${figures.peakRssMiB} MiB (sandbox in-process)`,
);
console.log(JSON.stringify(figures));

client.disconnect();
await runtime.close();
await sandbox.close();
await redis.close();
