import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/tenants.valid.yaml');
const TOKEN = 'cli-admin-token-0123456789abcdefgh';

/** Wait (bounded) for the "admin ready" log line and return its URL. */
function readyUrl(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "admin ready" line in:\n${output.text}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString();
      for (const line of output.text.split('\n')) {
        if (!line.includes('"admin ready"')) continue;
        clearTimeout(timer);
        resolvePromise((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output.text += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready:\n${output.text}`));
    });
  });
}

describe('pipeline-health admin', () => {
  let redis: RedisEndpoint;
  beforeAll(async () => {
    redis = await resolveRedis(undefined);
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('serves the API with the tenants file read-only, and stops gracefully on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [MAIN, 'admin', '--tenants', FIXTURE, '--port', '0', '--no-workers'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          REDIS_URL: redis.url,
          PH_PREFIX: `c${randomBytes(3).toString('hex')}`,
          ADMIN_TOKENS: TOKEN,
          PH_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = { text: '' };
    try {
      const url = await readyUrl(child, output);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/tenants`)).status).toBe(401);
      const list = await fetch(`${url}/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await list.json()) as { tenants: { id: string; source: string }[] };
      expect(body.tenants.length).toBe(2);
      expect(body.tenants.every((t) => t.source === 'file')).toBe(true);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(output.text).toContain('"stopped"');
    expect(output.text).not.toContain(TOKEN);
  });

  it('refuses to start without ADMIN_TOKENS (exit 2, clear message)', async () => {
    const run = promisify(execFile);
    const err = (await run(process.execPath, [MAIN, 'admin', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url },
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('ADMIN_TOKENS');
  });
});
