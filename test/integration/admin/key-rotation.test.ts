import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import { CredentialCipher } from '../../../src/store/credential-cipher.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantRegistryStore } from '../../../src/store/tenant-registry.store.ts';
import { type CliProcess, startCli } from '../../support/cli-process.ts';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
const TOKEN = 'rotation-admin-token-Zq8wX2mN7vR4tY6u';
const OLD_KEY = randomBytes(32).toString('hex');
const NEW_KEY = randomBytes(32).toString('hex');

const tenant = (id: string) =>
  parseTenants({
    tenants: [
      {
        id,
        name: id,
        schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
        connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: `pat-${id}-secret` } },
        alerts: { webhookUrl: `https://hooks.example.com/${id}` },
      },
    ],
  })[0]!;

/** Issue 17 item 5: a new PH_ENCRYPTION_KEY took the whole service down and the process hung. */
describe('key rotation and start-up failures (real processes)', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  const prefix = `k${randomBytes(3).toString('hex')}`;
  const env = (extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    REDIS_URL: redis.url,
    PH_PREFIX: prefix,
    ADMIN_TOKENS: TOKEN,
    ...extra,
  });

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    await new TenantRegistryStore({ redis: client, prefix, cipher: new CredentialCipher(OLD_KEY) }).put(
      tenant('old'),
    );
    await new TenantRegistryStore({ redis: client, prefix, cipher: new CredentialCipher(NEW_KEY) }).put(
      tenant('fresh'),
    );
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  function waitExit(p: CliProcess, ms: number): Promise<number | null | 'timeout'> {
    return new Promise((done) => {
      const timer = setTimeout(() => done('timeout'), ms);
      void p.exited.then(({ code }) => {
        clearTimeout(timer);
        done(code);
      });
    });
  }

  it('starts with an undecryptable tenant flagged and skipped', async () => {
    const admin = startCli(['admin', '--port', '0', '--no-workers'], env({ PH_ENCRYPTION_KEY: NEW_KEY }));
    try {
      const ready = await admin.waitForLog((l) => l.msg === 'admin ready', 'the "admin ready" line', 90_000);
      const url = String(ready.url);
      const list = await fetch(`${url}/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await list.json()) as { tenants: { id: string }[]; unreadable: { id: string }[] };
      expect(body.tenants.map((t) => t.id)).toEqual(['fresh']);
      expect(body.unreadable).toEqual([{ id: 'old', status: 'undecryptable' }]);
      const one = await fetch(`${url}/tenants/old`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(one.status).toBe(409);
      expect(((await one.json()) as { error: { code: string } }).error.code).toBe('TENANT_UNREADABLE');
      expect(admin.output()).toContain('tenant cannot be decrypted and is skipped');
    } finally {
      admin.signal('SIGTERM');
      expect(await waitExit(admin, 60_000)).toBe(0);
    }
    expect(admin.output()).not.toContain('pat-old-secret');
  });

  it('`keys rotate` re-encrypts every tenant under the new key while both are accepted', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [MAIN, 'keys', 'rotate'], {
      env: env({ PH_ENCRYPTION_KEY: NEW_KEY, PH_ENCRYPTION_KEY_PREVIOUS: OLD_KEY }),
    });
    expect(JSON.parse(stdout)).toEqual({ rotated: ['old'], current: ['fresh'], unreadable: [] });
    const onlyNew = new TenantRegistryStore({ redis: client, prefix, cipher: new CredentialCipher(NEW_KEY) });
    const report = await onlyNew.listReport();
    expect(report.unreadable).toEqual([]);
    expect(report.tenants.map((t) => [t.id, t.connection.auth, t.alerts.webhookUrl])).toEqual([
      ['fresh', { type: 'private_app', accessToken: 'pat-fresh-secret' }, 'https://hooks.example.com/fresh'],
      ['old', { type: 'private_app', accessToken: 'pat-old-secret' }, 'https://hooks.example.com/old'],
    ]);
  });

  it('exits with the error code when it cannot listen, instead of hanging', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const admin = startCli(
        ['admin', '--port', String(port), '--host', '127.0.0.1'],
        env({ PH_ENCRYPTION_KEY: NEW_KEY }),
      );
      const code = await waitExit(admin, 90_000);
      if (code === 'timeout') await admin.kill();
      expect(code).toBe(2);
      expect(admin.stderr()).toContain('CONFIG_INVALID');
      expect(admin.stderr()).toContain('cannot listen');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
