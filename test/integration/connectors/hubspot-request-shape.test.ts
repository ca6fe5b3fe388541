// The connector sends requests in the shape HubSpot's reference documents, recorded by a proxy in
// front of the sandbox. Sources: search body { after, filterGroups, limit, properties, sorts, query }
// (https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/custom-objects/search/search-custom-objects);
// property options { label, value, displayOrder, hidden, description } with `hidden` required in the
// create-property reference (https://developers.hubspot.com/docs/api-reference/latest/crm/properties/create-property).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { type Alert, alertKey } from '../../../src/domain/index.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';

let sandbox: HubSpotSandboxHandle;
let proxy: http.Server;
let connector: CrmConnector;
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON bodies are inspected loosely
type Json = any;
const bodies: { method: string; path: string; body: Json }[] = [];

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({
    seed: 91,
    deals: 30,
    rateLimits: { tenSecondly: null, daily: null, searchPerSecond: null },
  });
  const target = new URL(sandbox.baseUrl);
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (raw.length > 0 && String(req.headers['content-type']).includes('json'))
        bodies.push({ method: req.method ?? '', path: req.url ?? '', body: JSON.parse(raw.toString()) });
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.end(raw);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = (proxy.address() as AddressInfo).port;
  connector = createHubSpotConnector({
    connection: {
      crm: 'hubspot',
      auth: { type: 'private_app', accessToken: sandbox.accessToken },
      basePath: `http://127.0.0.1:${port}`,
    },
    logger: createLogger({ level: 'silent' }),
  });
});

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await sandbox.close();
});

describe('HubSpot connector request shapes', () => {
  it('every search carries after and sorts; every property option carries hidden', async () => {
    await connector.bootstrapSchema();
    const dealIds: string[] = [];
    for await (const page of connector.pull(null)) dealIds.push(...page.deals.map((d) => d.id));
    const alert: Alert = {
      tenantId: 'acme',
      dealId: dealIds[0]!,
      kind: 'buyer_silent',
      ownerId: null,
      reason: 'r',
      suggestedAction: 'a',
      raisedAt: '2026-11-27T08:00:00.000Z',
    };
    await connector.createAlertTasks([
      { alert, key: alertKey(alert), subject: 's', body: 'b', dueAt: '2026-11-28T09:00:00.000Z' },
    ]);
    const searches = bodies.filter((b) => b.path.includes('/search'));
    expect(searches.length).toBeGreaterThan(1);
    expect(searches.some((b) => b.path.includes('/tasks/search'))).toBe(true);
    for (const s of searches) {
      expect(typeof s.body.after, s.path).toBe('string');
      expect(Array.isArray(s.body.sorts) && s.body.sorts.length > 0, s.path).toBe(true);
    }
    const created = bodies.filter((b) => /\/crm\/v3\/properties\/\w+\/batch\/create/.test(b.path));
    const options = created.flatMap((b) => b.body.inputs.flatMap((i: Json) => i.options ?? []));
    expect(options.length).toBeGreaterThan(0);
    for (const o of options) expect(typeof o.hidden).toBe('boolean');
  });
});
