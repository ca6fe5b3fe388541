import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

/** A real `pipeline-health worker` process (the CLI's composition root), as production runs it. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Send a signal (SIGTERM: graceful shutdown). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, and wait for the exit (safe to call twice). */
  kill(): Promise<void>;
}

/**
 * Start `pipeline-health worker` with only `env` (plus PATH). Useful variables: REDIS_URL,
 * PH_PREFIX, TENANTS_FILE, WORKER_LOCK_MS, WORKER_CONCURRENCY, CRM_REQUEST_TIMEOUT_MS and
 * PH_CLOCK_OFFSET_MS (shifts the worker's clock; see src/config/env.ts for where it applies).
 * Its stderr goes to the test's stderr; LOG_LEVEL defaults to TEST_LOG_LEVEL or "error".
 */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    exited,
    signal: (s) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export { until } from './until.ts';
