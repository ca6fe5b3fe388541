import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminService } from '../../../src/cli/commands/admin.command.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { adminCaller, startTestAdminService } from './admin-service-fixture.ts';

const TOKEN = 'rest-admin-token-0123456789abcdef';
const CRM_SECRET = 'pat-na1-echoed-secret-7f3a9c';
const WEBHOOK = 'https://hooks.example.com/services/T000/B000/webhook-secret-91c2';

/** Every key under the prefix with every value in it, as text (strings, lists, hashes, sets, zsets, streams). */
async function dumpRedis(redis: RedisClient, prefix: string): Promise<string> {
  const keys = new Set<string>();
  for (const pattern of [`${prefix}:*`, `{${prefix}}*`, `*${prefix}*`]) {
    for (const key of await redis.keys(pattern)) keys.add(key);
  }
  const parts: string[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'set') value = await redis.smembers(key);
    else if (type === 'zset') value = await redis.zrange(key, 0, -1);
    else if (type === 'stream') value = await redis.xrange(key, '-', '+');
    parts.push(`${key} ${JSON.stringify(value)}`);
  }
  return parts.join('\n');
}

/**
 * Issue 17 item 2: a CRM (or a proxy in front of it) that echoes the Authorization header in its
 * error answer. Before the fix the token was stored raw in the runs list, in BullMQ's failedReason
 * and in its event stream; the webhook URL was stored in clear; purge left the BullMQ keys.
 */
describe('secrets at rest (real Runtime, real workers, an echoing CRM on loopback)', () => {
  let redis: RedisEndpoint;
  let echo: Server;
  let echoUrl: string;
  let service: AdminService;
  let client: RedisClient;
  const prefix = `s${randomUUID().slice(0, 8)}`;

  const call = adminCaller(() => service.url, TOKEN);

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    echo = createServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: `Bad request; you sent Authorization: ${req.headers.authorization}`,
        }),
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    service = await startTestAdminService({ redis, prefix, tokens: [TOKEN], concurrency: 1 });
  });

  afterAll(async () => {
    await service?.close();
    client?.disconnect();
    await new Promise((resolve) => echo?.close(resolve));
    await redis?.close();
  });

  it('stores no echoed token anywhere, keeps the webhook URL encrypted, and purge removes the BullMQ keys', async () => {
    const created = await call('POST', '/tenants', {
      id: 'echo',
      name: 'Echoing CRM',
      schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
      connection: {
        crm: 'hubspot',
        basePath: echoUrl,
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: CRM_SECRET },
      },
      alerts: { webhookUrl: WEBHOOK },
    });
    expect(created.status).toBe(201);
    const run = await call('POST', '/tenants/echo/runs');
    expect(run.status).toBe(202);

    let last: { status?: string; error?: { message?: string } } | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      last = (await call('GET', '/tenants/echo/status')).json?.runs[0];
      if (last?.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(last?.status).toBe('failed');
    // The failure is still explained, without the token.
    expect(last?.error?.message).toContain('Authorization: Bearer [REDACTED]');

    const stored = await dumpRedis(client, prefix);
    expect(stored).toContain('failedReason'); // BullMQ's own record of the failure is in the dump
    expect(stored).toContain('Bearer [REDACTED]');
    expect(stored).not.toContain(CRM_SECRET);
    expect(stored).not.toContain('webhook-secret-91c2');
    const shown = await call('GET', '/tenants/echo');
    expect(shown.json?.alerts.webhookUrlSet).toBe(true);

    // The dashboard reads the same records.
    const dashboard = await call('GET', '/queues/api/queues?activeQueue=cycle&status=failed&page=1');
    expect(dashboard.status).toBe(200);
    expect(dashboard.text).not.toContain(CRM_SECRET);

    const purged = await call('DELETE', '/tenants/echo?purge=true');
    expect(purged.status).toBe(200);
    const after = await dumpRedis(client, prefix);
    expect(after).not.toMatch(/echo\.\d/); // no job, job key or event of the tenant's runs
    expect(after).not.toContain('"tenantId":"echo"');
  });
});
