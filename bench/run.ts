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

let failures = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, [join(dir, file)], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    failures += 1;
    console.log(`!!! ${file} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
