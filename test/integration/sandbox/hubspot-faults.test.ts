import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyFaultPlan } from '../../../src/sandbox/fault-plan.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { startSdkSandbox } from './hubspot-sandbox.fixture.ts';

let sandbox: HubSpotSandboxHandle;
let client: Client;

function dealsUrl(): string {
  return `${sandbox.baseUrl}/crm/v3/objects/deals?limit=1`;
}

function auth(): Record<string, string> {
  return { authorization: `Bearer ${sandbox.accessToken}` };
}

beforeAll(async () => {
  ({ sandbox, client } = await startSdkSandbox(5, 30));
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  Object.assign(sandbox.faults, emptyFaultPlan());
  sandbox.inspect.reset();
});

describe('HubSpot sandbox: injected faults', () => {
  it('answers every request with the configured error status and HubSpot error body', async () => {
    sandbox.faults.errorRates = { 503: 1 };
    const error = await client.crm.deals.basicApi.getPage(1).then(
      () => null,
      (e: { code: number; body: { category?: string; status?: string } }) => e,
    );
    expect(error?.code).toBe(503);
    expect(error?.body.status).toBe('error');
    sandbox.faults.errorRates = { 423: 1 };
    const locked = await fetch(dealsUrl(), { headers: auth() });
    expect(locked.status).toBe(423);
    expect(((await locked.json()) as { category: string }).category).toBe('LOCKED');
    sandbox.faults.errorRates = {};
    expect((await fetch(dealsUrl(), { headers: auth() })).status).toBe(200);
    expect(sandbox.inspect.calls().map((c) => c.status)).toEqual([503, 423, 200]);
  });

  it('applies an error rate to a share of requests', async () => {
    const seeded = await startHubSpotSandbox({
      world: sandbox.world,
      faults: { errorRates: { 503: 0.5 } },
      random: (() => {
        let i = 0;
        // Alternating draws: below, above, below, ... the 0.5 rate.
        return () => (i++ % 2 === 0 ? 0.1 : 0.9);
      })(),
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push(
          (
            await fetch(`${seeded.baseUrl}/crm/v3/objects/deals?limit=1`, {
              headers: { authorization: `Bearer ${seeded.accessToken}` },
            })
          ).status,
        );
      }
      expect(statuses).toEqual([503, 200, 503, 200, 503, 200]);
    } finally {
      await seeded.close();
    }
  });

  it('serves a burst of ten-secondly 429s, then recovers', async () => {
    sandbox.faults.rateLimitBurst = 2;
    const a = await fetch(dealsUrl(), { headers: auth() });
    const body = (await a.json()) as { policyName: string; errorType: string };
    expect(a.status).toBe(429);
    expect(body.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect(body.errorType).toBe('RATE_LIMIT');
    expect((await fetch(dealsUrl(), { headers: auth() })).status).toBe(429);
    expect((await fetch(dealsUrl(), { headers: auth() })).status).toBe(200);
    expect(sandbox.inspect.rateLimited()).toHaveLength(2);
  });

  it('leaves a request hanging until the client gives up', async () => {
    sandbox.faults.hangNext = 1;
    const client = new AbortController();
    const outcome = fetch(dealsUrl(), { headers: auth(), signal: client.signal }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    // Give up only once the sandbox holds the request: a client timer can fire before the request
    // arrives on a loaded machine, and the unspent hang would then swallow the next request.
    await vi.waitFor(() => expect(sandbox.inspect.calls()).toHaveLength(1), {
      timeout: 30_000,
      interval: 10,
    });
    client.abort();
    expect(await outcome).toBe('AbortError');
    expect((await fetch(dealsUrl(), { headers: auth(), signal: AbortSignal.timeout(30_000) })).status).toBe(
      200,
    );
    expect(sandbox.inspect.calls()[0]?.status).toBe(0);
  });

  it('drops the connection without a response', async () => {
    sandbox.faults.dropNext = 1;
    const error = await client.crm.deals.basicApi.getPage(1).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: unknown }).code).toBeUndefined();
    expect((await fetch(dealsUrl(), { headers: auth() })).status).toBe(200);
  });

  it('adds latency to responses', async () => {
    sandbox.faults.latencyMs = 1500;
    const slow = await fetch(dealsUrl(), { headers: auth(), signal: AbortSignal.timeout(100) }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(slow).toBe('TimeoutError');
    sandbox.faults.latencyMs = 0;
    expect((await fetch(dealsUrl(), { headers: auth(), signal: AbortSignal.timeout(30_000) })).status).toBe(
      200,
    );
  });

  it('changes the plan over HTTP and validates it', async () => {
    const set = await fetch(`${sandbox.baseUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRates: { '502': 1 }, failRecords: { '30000000001': 'nope' } }),
    });
    expect(set.status).toBe(200);
    expect(sandbox.faults.errorRates).toEqual({ 502: 1 });
    expect(sandbox.faults.failRecords).toEqual({ '30000000001': 'nope' });
    expect((await fetch(dealsUrl(), { headers: auth() })).status).toBe(502);
    const bad = await fetch(`${sandbox.baseUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: -1 }),
    });
    expect(bad.status).toBe(400);
    const inspect = (await (await fetch(`${sandbox.baseUrl}/__sandbox/calls-by-endpoint`)).json()) as Record<
      string,
      number
    >;
    expect(inspect['GET /crm/v3/objects/deals']).toBe(1);
  });

  it('fails only the listed records inside a batch (207) and inspection shows what landed', async () => {
    sandbox.faults.failRecords = { '30000000003': 'INVALID_OPTION' };
    const result = await client.crm.deals.batchApi.update({
      inputs: [
        { id: '30000000002', properties: { hs_next_step: 'a' } },
        { id: '30000000003', properties: { hs_next_step: 'b' } },
      ],
    });
    expect('numErrors' in result && result.numErrors).toBe(1);
    const writes = (await (await fetch(`${sandbox.baseUrl}/__sandbox/writes`)).json()) as {
      recordId: string;
    }[];
    expect(writes.map((w) => w.recordId)).toEqual(['30000000002']);
    expect(sandbox.inspect.calls().at(-1)?.status).toBe(207);
  });
});
