import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');

/** A `pipeline-health` child process whose JSON log lines (stdout) are kept for the test to await. */
export interface CliProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Start `node src/cli/main.ts <args>` with only the given environment (plus PATH). */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(d);
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    waitForLog(match, what, timeoutMs = 120_000) {
      if (lines.some(match)) return Promise.resolve();
      return new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
        waiters.push({
          match,
          resolve: () => {
            clearTimeout(timer);
            resolvePromise();
          },
        });
      });
    },
  };
}

export { until } from '../../support/until.ts';
