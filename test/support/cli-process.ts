import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

/**
 * A real `pipeline-health` child process (the CLI's composition root, as production runs it) whose
 * JSON log lines (stdout) are kept for the test to await.
 */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /**
   * Resolves with the first log line (past or future) that matches; rejects after `timeoutMs`, or
   * as soon as the process has ended and closed its output without writing one.
   */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the process wrote to stdout and stderr so far, in the order it arrived. */
  output(): string;
  /** Send a signal while the process runs (SIGTERM: graceful shutdown). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, and wait for the exit (safe to call twice). */
  kill(): Promise<void>;
}

/**
 * Start `node src/cli/main.ts <args>` with only `env` (plus PATH). Its stderr is kept (see
 * `stderr()`) and passed on to the test's stderr when `echoStderr` is set, by default when
 * TEST_LOG_LEVEL is.
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  options: { echoStderr?: boolean } = {},
): CliProcess {
  const echoStderr = options.echoStderr ?? Boolean(process.env.TEST_LOG_LEVEL);
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
    reject: (e: Error) => void;
  }[] = [];
  let err = '';
  let all = '';
  child.stdout?.on('data', (d: Buffer) => {
    all += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    all += d.toString();
    if (echoStderr) process.stderr.write(d);
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
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  // 'close' comes after the last output line was read: no waiter can be satisfied any more.
  child.once('close', (code, signal) => {
    for (const w of waiters.splice(0)) {
      w.reject(new Error(`the process ended (${code ?? signal}) before that log line; its output:\n${all}`));
    }
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    lines,
    exited,
    stderr: () => err,
    output: () => all,
    signal: (s) => {
      if (running()) child.kill(s);
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    waitForLog(match, what, timeoutMs = 120_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      if (child.stdout === null || child.stdout.closed) {
        return Promise.reject(new Error(`waiting for ${what}: the process has ended; its output:\n${all}`));
      }
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolvePromise(line);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(new Error(`waiting for ${what}: ${e.message}`));
          },
        });
      });
    },
  };
}

/**
 * `pipeline-health worker` for fault tests that watch the CRM and Redis rather than its log:
 * LOG_LEVEL defaults to TEST_LOG_LEVEL or "error" and its stderr goes to the test's stderr.
 * Useful variables: REDIS_URL, PH_PREFIX, TENANTS_FILE, WORKER_LOCK_MS, WORKER_CONCURRENCY,
 * CRM_REQUEST_TIMEOUT_MS and PH_CLOCK_OFFSET_MS (shifts the worker's clock; see src/config/env.ts).
 */
export function startWorkerProcess(env: Record<string, string>): CliProcess {
  return startCli(
    ['worker'],
    { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error', ...env },
    { echoStderr: true },
  );
}
