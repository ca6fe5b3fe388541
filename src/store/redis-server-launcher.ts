import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import getPort from 'get-port';
import { Redis } from 'ioredis';
import { AppError } from '../shared/app-error.ts';

export const REDIS_MISSING_HELP =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; ' +
  'macOS: `brew install redis`), or set REDIS_URL to a running Redis (redis://host:6379).';

/** A private redis-server for the demo and the tests: loopback only, no persistence, gone on stop. */
export interface ThrowawayRedis {
  url: string;
  port: number;
  /** The cluster bus port (cluster mode only). */
  busPort?: number;
  pid: number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Path of the redis-server binary; default: found on PATH or in /usr/bin, /usr/sbin, /usr/local/bin. */
  binary?: string;
  /** How long to wait for PING, in ms; default 10,000. */
  startTimeoutMs?: number;
  /**
   * Start in cluster mode (a node with no slots yet, see test/support/redis-cluster-launcher.ts):
   * its nodes.conf in its own directory and its cluster bus on a second free port, never port+10000.
   */
  cluster?: boolean;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashing or exiting parent must not leave a redis-server behind.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.pid === undefined) {
      throw new Error(`redis-server exited with code ${child.exitCode}`);
    }
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING within ${timeoutMs} ms`);
}

async function launchOnce(binary: string, timeoutMs: number, cluster: boolean): Promise<ThrowawayRedis> {
  const port = await getPort({ host: '127.0.0.1' });
  const busPort = cluster ? await getPort({ host: '127.0.0.1', exclude: [port] }) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ph-redis-'));
  const clusterArgs =
    busPort === undefined
      ? []
      : [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--cluster-port',
          String(busPort),
        ];
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...clusterArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  // spawn reports a missing or non-executable binary as an 'error' event, not a throw.
  child.on('error', (err) => {
    stderr += ` ${err.message}`;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  running.add(child);
  installExitHook();
  const cleanup = () => {
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(port, child, timeoutMs);
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw new Error(`${(err as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    ...(busPort === undefined ? {} : { busPort }),
    pid: child.pid ?? -1,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}

/**
 * Start a throwaway redis-server on a free loopback port. Retries on a port race (another
 * process took the port between the check and the bind).
 */
export async function launchThrowawayRedis(options: LaunchOptions = {}): Promise<ThrowawayRedis> {
  const binary = options.binary ?? findRedisServer();
  if (binary === undefined || !isExecutable(binary))
    throw new AppError('REDIS_UNAVAILABLE', REDIS_MISSING_HELP);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await launchOnce(binary, options.startTimeoutMs ?? 10_000, options.cluster ?? false);
    } catch (err) {
      lastError = err;
    }
  }
  throw new AppError('REDIS_UNAVAILABLE', `Could not start redis-server: ${(lastError as Error).message}`, {
    cause: lastError,
  });
}
