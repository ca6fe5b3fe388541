// Importing a CRM export: 200,000 rows (BENCH_QUICK=1: 20,000) of a semicolon-separated,
// CRLF, quoted, local-date, euro-amount export. Times the streaming reader alone (memory flat in
// the file size) and the full import into a SandboxWorld (which holds every imported deal).

import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { readCsvFile } from '../src/import/csv-reader.ts';
import { importExportFile } from '../src/import/export-importer.ts';

const rows = process.env.BENCH_QUICK === '1' ? 20_000 : 200_000;
const dir = mkdtempSync(join(tmpdir(), 'ph-import-bench-'));
const path = join(dir, 'export.csv');

async function writeExport(): Promise<void> {
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(
    '\uFEFFOpportunity Name;Stage;Amount;Close Date;Created Date;Opportunity Owner;Status;Budget Allocated;Competitor;Notes\r\n',
  );
  let seed = 1;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < rows; i++) {
    const won = rand() < 0.4;
    const day = 1 + (i % 28);
    const month = 1 + (i % 12);
    await write(
      `"Deal ${i}; phase ${i % 3}";${won ? 'Closed Won' : 'Closed Lost'};"€ ${(1000 + (i % 50_000)).toLocaleString('de-DE')},00";${String(day).padStart(2, '0')}.${String(month).padStart(2, '0')}.2025;01.01.2024;Owner ${i % 40};${won ? 'Won' : 'Lost'};${rand() < 0.5 ? 'Yes' : 'No'};${['None', 'Present', 'Unknown'][i % 3]};"line one\r\nline ""two"""\r\n`,
    );
  }
  out.end();
  await once(out, 'finish');
}

const mib = (kib: number) => Math.round(kib / 1024);
const t0 = performance.now();
await writeExport();
const bytes = statSync(path).size;
console.log(
  `export: ${rows} rows, ${(bytes / 1024 / 1024).toFixed(1)} MiB written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const rssBefore = process.resourceUsage().maxRSS;
let c0 = process.cpuUsage();
let t = performance.now();
let records = 0;
for await (const _ of readCsvFile(path)) records++;
const readSeconds = (performance.now() - t) / 1000;
const readCpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
const rssAfterRead = process.resourceUsage().maxRSS;
console.log(
  `reader only: ${records - 1} records in ${readSeconds.toFixed(2)} s wall, ${readCpu.toFixed(2)} s CPU (${Math.round((records - 1) / readSeconds)} rows/s); peak RSS ${mib(rssBefore)} -> ${mib(rssAfterRead)} MiB`,
);

c0 = process.cpuUsage();
t = performance.now();
const result = await importExportFile(path);
const importSeconds = (performance.now() - t) / 1000;
const importCpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
const peak = process.resourceUsage().maxRSS;
console.log(
  `full import: ${result.imported} deals (${result.rejected.length} rejected) in ${importSeconds.toFixed(2)} s wall, ${importCpu.toFixed(2)} s CPU (${Math.round(rows / importSeconds)} rows/s); peak RSS ${mib(peak)} MiB`,
);
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    rows,
    fileMiB: Math.round((bytes / 1024 / 1024) * 10) / 10,
    readSeconds: Math.round(readSeconds * 100) / 100,
    readRowsPerSecond: Math.round((records - 1) / readSeconds),
    peakRssAfterReadMiB: mib(rssAfterRead),
    importSeconds: Math.round(importSeconds * 100) / 100,
    importCpuSeconds: Math.round(importCpu * 100) / 100,
    importRowsPerSecond: Math.round(rows / importSeconds),
    imported: result.imported,
    rejected: result.rejected.length,
    peakRssMiB: mib(peak),
  }),
);
