// `npm run bench`: runs every bench/*.bench.ts in its own process (so peak memory is per benchmark),
// one after another, and prints their figures. BENCH_QUICK=1 runs small sizes; BENCH_ONLY=name filters.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const only = process.env.BENCH_ONLY;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only === undefined || f.includes(only))
  .sort();

if (files.length === 0) {
  console.log('No benchmarks found.');
  process.exit(1);
}

/**
 * Benchmarks whose process stands for a worker run with the worker's heap ceiling, as `npm run cli`
 * and the image start it (WORKER_HEAP_MIB, default 768): their peak RSS is the worker's.
 */
const AS_WORKER = new Set(['large-tenant.bench.ts']);
const workerHeap = [`--max-old-space-size=${process.env.WORKER_HEAP_MIB ?? '768'}`];

let failures = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const flags = AS_WORKER.has(file) ? workerHeap : [];
  const result = spawnSync(process.execPath, [...flags, join(dir, file)], {
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) {
    failures += 1;
    console.log(`!!! ${file} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
