import jsforce from 'jsforce';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type SalesforceSandboxHandle,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld } from './salesforce-world.fixture.ts';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { errorCode?: string };
  }
  throw new Error('expected a rejection');
}

/** A scripted random source: returns the values in order, then 0.99 (no fault) forever. */
function scripted(values: number[]): () => number {
  let i = 0;
  return () => values[i++] ?? 0.99;
}

describe('Salesforce sandbox: injected faults and inspection', () => {
  let sandbox: SalesforceSandboxHandle | undefined;
  const start = async (options: Partial<SalesforceSandboxOptions> = {}) => {
    sandbox = await startSalesforceSandbox({ world: salesforceTestWorld({ deals: 3 }), ...options });
    const conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
    return { s: sandbox, conn };
  };
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('a hung request never answers; the client gives up and the next request is served', async () => {
    const { s } = await start();
    s.faults.hangNext = 1;
    const url = `${s.baseUrl}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Opportunity')}`;
    const headers = { authorization: `Bearer ${s.accessToken}` };
    const client = new AbortController();
    const hung = rejectionOf(fetch(url, { headers, signal: client.signal }));
    // Give up only once the sandbox holds the request: a client timer can fire before the request
    // arrives on a loaded machine, and the unspent hang would then swallow the next request.
    await vi.waitFor(() => expect(s.inspect.calls()).toHaveLength(1), { timeout: 30_000, interval: 10 });
    client.abort();
    expect((await hung).name).toBe('AbortError');
    const ok = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
    expect(ok.status).toBe(200);
    expect(s.inspect.calls().map((c) => c.status)).toEqual([0, 200]);
  });

  it('a dropped connection fails the call; jsforce 3.10 does not retry it, not even a GET', async () => {
    const { s, conn } = await start();
    s.faults.dropNext = 1;
    const write = await rejectionOf(
      conn.sobject('Opportunity').update([{ Id: s.idOf('deal', 1), NextStep: 'x' }]),
    );
    expect(write).toBeInstanceOf(TypeError);
    expect(s.inspect.writes()).toEqual([]);
    // jsforce lists UND_ERR_SOCKET as retryable but looks one `cause` too deep, so it never retries.
    s.faults.dropNext = 1;
    const read = await rejectionOf(conn.query('SELECT Id FROM Opportunity'));
    expect((read.cause as { code?: string } | undefined)?.code).toBe('UND_ERR_SOCKET');
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
    expect(s.inspect.calls().map((c) => `${c.method} ${c.status}`)).toEqual(['PATCH 0', 'GET 0', 'GET 200']);
  });

  it('injected 503s carry Salesforce error bodies; jsforce retries a GET, not a PATCH', async () => {
    const { s, conn } = await start({ random: scripted([0.1, 0.1]) });
    s.faults.errorRates = { 503: 0.5 };
    const err = await rejectionOf(
      conn.sobject('Opportunity').update([{ Id: s.idOf('deal', 1), NextStep: 'x' }]),
    );
    expect(err).toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
    // The GET meets one 503, is retried by jsforce, and succeeds.
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
    expect(s.inspect.calls().map((c) => `${c.method} ${c.status}`)).toEqual([
      'PATCH 503',
      'GET 503',
      'GET 200',
    ]);
  });

  it("a 'rate_limit' fault is Salesforce's 403 REQUEST_LIMIT_EXCEEDED (REST has no short-window 429)", async () => {
    const { s, conn } = await start();
    s.faults.rateLimitBurst = 1;
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
    });
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
    expect(s.inspect.rateLimited()).toHaveLength(1);
  });

  it('faults also reach the token endpoint, with OAuth-shaped bodies', async () => {
    const { s } = await start({ random: scripted([0.1]) });
    s.faults.errorRates = { 503: 0.5 };
    const oauth2 = new jsforce.OAuth2({
      loginUrl: s.baseUrl,
      clientId: s.oauth.clientId,
      clientSecret: s.oauth.clientSecret,
    });
    const err = await rejectionOf(oauth2.refreshToken(s.oauth.refreshToken));
    expect(err).toMatchObject({ name: 'unknown_error', message: 'retry your request' });
    const ok = await oauth2.refreshToken(s.oauth.refreshToken);
    expect(typeof ok.access_token).toBe('string');
    expect(s.inspect.calls().map((c) => `${c.endpoint} ${c.status}`)).toEqual([
      'POST /services/oauth2/token 503',
      'POST /services/oauth2/token 200',
    ]);
  });

  it('latency delays every answer: a client deadline shorter than it fails, no deadline succeeds', async () => {
    const { s, conn } = await start();
    s.faults.latencyMs = 400;
    const url = `${s.baseUrl}/services/data/v62.0/limits`;
    const late = await rejectionOf(
      fetch(url, { headers: { authorization: `Bearer ${s.accessToken}` }, signal: AbortSignal.timeout(50) }),
    );
    expect(late.name).toBe('TimeoutError');
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
  });

  it('serves the inspection API over HTTP under /__sandbox/', async () => {
    const { s, conn } = await start();
    await conn.query('SELECT Id FROM Opportunity');
    await conn.sobject('Task').create([{ Subject: 'Alert', WhatId: s.idOf('deal', 2) }]);
    const get = async (path: string) => (await fetch(`${s.baseUrl}/__sandbox/${path}`)).json();
    expect(await get('calls-by-endpoint')).toEqual({
      'GET /services/data/vXX.X/query': 1,
      'POST /services/data/vXX.X/composite/sobjects': 1,
    });
    expect(await get('writes')).toMatchObject([
      { objectType: 'Task', operation: 'create', values: { Subject: 'Alert' } },
    ]);
    const tokens = (await get('tokens')) as { tokenSuffix: string; kind: string }[];
    expect(tokens.map((t) => t.kind).sort()).toEqual(['access', 'refresh']);
    expect(JSON.stringify(tokens)).not.toContain(s.accessToken);

    const patched = await fetch(`${s.baseUrl}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimitBurst: 1 }),
    });
    expect(patched.status).toBe(200);
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
    });
    expect(await get('rate-limited')).toHaveLength(1);

    await fetch(`${s.baseUrl}/__sandbox/api-usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ used: 7, max: 8 }),
    });
    await conn.query('SELECT Id FROM Opportunity');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 8, limit: 8 } });
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
    });

    await fetch(`${s.baseUrl}/__sandbox/expire-tokens`, { method: 'POST' });
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_SESSION_ID',
    });
    await fetch(`${s.baseUrl}/__sandbox/reset`, { method: 'POST' });
    expect(await get('calls')).toEqual([]);
  });
});
