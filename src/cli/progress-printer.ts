import type { StepProgress } from '../../jobs/job-deps.ts';

/** Progress lines on stderr, at most one per step per second (and always the last one). */
export function progressPrinter(stream: NodeJS.WritableStream = process.stderr): (p: StepProgress) => void {
  const last = new Map<string, number>();
  return (p) => {
    const key = `${p.tenantId}/${p.step}`;
    const now = Date.now();
    const done = p.total !== null && p.done >= p.total;
    if (!done && now - (last.get(key) ?? 0) < 1_000) return;
    last.set(key, now);
    const of = p.total === null ? '' : ` of ${p.total}`;
    stream.write(`  ${p.tenantId} ${p.step}: ${p.done}${of} ${p.unit} (${Math.round(p.ratePerSecond)}/s)\n`);
  };
}

/** Progress as log lines (for the long-running worker), at most one per step every 10 seconds. */
export function progressLogger(logger: { info(obj: object, msg: string): void }): (p: StepProgress) => void {
  const last = new Map<string, number>();
  return (p) => {
    const key = `${p.tenantId}/${p.runId}/${p.step}`;
    const now = Date.now();
    const done = p.total !== null && p.done >= p.total;
    if (!done && now - (last.get(key) ?? 0) < 10_000) return;
    last.set(key, now);
    logger.info({ ...p, ratePerSecond: Math.round(p.ratePerSecond) }, `${p.step} progress`);
  };
}
