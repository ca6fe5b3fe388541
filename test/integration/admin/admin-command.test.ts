import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { startCli } from '../../support/cli-process.ts';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/tenants.valid.yaml');
const TOKEN = 'cli-admin-token-0123456789abcdefgh';

describe('pipeline-health admin', () => {
  let redis: RedisEndpoint;
  beforeAll(async () => {
    redis = await resolveRedis(undefined);
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('serves the API with the tenants file read-only, and stops gracefully on SIGTERM', async () => {
    const admin = startCli(['admin', '--tenants', FIXTURE, '--port', '0', '--no-workers'], {
      REDIS_URL: redis.url,
      PH_PREFIX: `c${randomBytes(3).toString('hex')}`,
      ADMIN_TOKENS: TOKEN,
      PH_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });
    try {
      const ready = await admin.waitForLog((l) => l.msg === 'admin ready', 'the "admin ready" line', 30_000);
      const url = String(ready.url);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/tenants`)).status).toBe(401);
      const list = await fetch(`${url}/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await list.json()) as { tenants: { id: string; source: string }[] };
      expect(body.tenants.length).toBe(2);
      expect(body.tenants.every((t) => t.source === 'file')).toBe(true);
    } finally {
      admin.signal('SIGTERM');
      expect((await admin.exited).code).toBe(0);
    }
    expect(admin.output()).toContain('"stopped"');
    expect(admin.output()).not.toContain(TOKEN);
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
