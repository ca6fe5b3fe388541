// The weekly digest as a step of real cycles on the real queues (docs/DIGEST.md): the first run of
// the week sends the team's and the changed owners' digests, built from what the score step stored;
// the next run of the same week sends nothing.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { verifySignature } from '../../../src/shared/webhook-signature.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { newRuntime, NO_SCHEDULE } from './harness.ts';

const SECRET_ENV = 'PH_TEST_DIGEST_CYCLE_SECRET';
const SECRET = 'cycle-digest-secret-abcdef';

describe('weekly digest through real cycles', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;
  let server: Server;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    process.env[SECRET_ENV] = SECRET;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/digest`;
    redis = await resolveRedis(undefined);
    sandbox = await startHubSpotSandbox({ seed: 5, deals: 80 });
    const tenants = parseTenants({
      tenants: [
        {
          id: 'acme',
          name: 'Acme',
          ...NO_SCHEDULE,
          connection: {
            crm: 'hubspot',
            basePath: sandbox.baseUrl,
            developmentTarget: true,
            auth: { type: 'private_app', accessToken: sandbox.accessToken },
          },
          // Due from Monday 00:00: any day of the week.
          digest: { webhookUrl: url, signingSecretEnv: SECRET_ENV, sendFrom: { weekday: 1, hour: 0 } },
        },
      ],
    });
    runtime = newRuntime(redis, tenants);
    await runtime.pool?.waitUntilReady();
  });

  afterAll(async () => {
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    delete process.env[SECRET_ENV];
  });

  it('sends each digest once per week, signed, with the numbers the score step stored', async () => {
    const first = await runtime.runCycle({ tenantId: 'acme', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(first.status).toBe('completed');
    const store = runtime.deps.store('acme');
    const changes = await store.documents.getJson<{
      groups: {
        ownerId: string | null;
        movedOut: { count: number };
        pushed: { count: number; days: number };
      }[];
    }>('whatChanged');
    const groups = changes!.groups.length;
    expect(first.steps.digest).toMatchObject({ status: 'ran', outcomes: { delivered: groups, failed: 0 } });
    expect(received).toHaveLength(groups);
    const team = received.find((r) => String(r.headers['x-ph-delivery-id']).endsWith('.team'))!;
    const t = Number(/t=(\d+)/.exec(String(team.headers['x-ph-signature']))![1]);
    expect(verifySignature(SECRET, team.body, String(team.headers['x-ph-signature']), t)).toBe(true);
    const teamGroup = changes!.groups[0]!;
    expect((JSON.parse(team.body) as { text: string }).text).toContain(
      `${teamGroup.movedOut.count} moved out of `,
    );
    expect((JSON.parse(team.body) as { text: string }).text).toContain(
      `${teamGroup.pushed.count} close dates pushed (${teamGroup.pushed.days} days)`,
    );

    const second = await runtime.runCycle({ tenantId: 'acme', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(second.status).toBe('completed');
    expect(second.steps.digest).toMatchObject({ status: 'ran', outcomes: { delivered: 0 } });
    expect(received).toHaveLength(groups);
  });
});
