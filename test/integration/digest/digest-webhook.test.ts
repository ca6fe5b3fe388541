// The weekly digest against a real HTTP receiver on loopback (issue 18 item 3, docs/DIGEST.md):
// signature, retry with backoff, at most once per recipient and week, no retry on 4xx. The
// receiver's answers are the injected faults; the signature is checked with the scheme's own
// definition (HMAC-SHA256 over "<t>.<body>", as Stripe documents for its Stripe-Signature header).

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from 'bullmq';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { digestJob } from '../../../jobs/digest.job.ts';
import type { JobDeps } from '../../../jobs/job-deps.ts';
import { type Tenant, TenantSchema } from '../../../src/domain/index.ts';
import { type ChangeDeal, computeWhatChanged } from '../../../src/scoring/index.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { verifySignature } from '../../../src/shared/webhook-signature.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

// Monday 2026-11-16 09:00 UTC: ISO week 2026-W47, after the default send time (Monday 08:00).
const MONDAY = Date.parse('2026-11-16T09:00:00Z');
const SECRET = 'digest-secret-0123456789';
const SECRET_ENV = `PH_TEST_DIGEST_SECRET_${randomUUID().slice(0, 8).toUpperCase()}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that answers with the next scripted status (200 when the script is empty). */
class Receiver {
  readonly requests: Received[] = [];
  script: { status: number; headers?: Record<string, string> }[] = [];
  /** When set, requests wait for it before being answered. */
  gate: Promise<void> | null = null;
  #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', async () => {
        this.requests.push({ headers: req.headers, body });
        if (this.gate !== null) await this.gate;
        const next = this.script.shift() ?? { status: 200 };
        res.writeHead(next.status, next.headers ?? {});
        res.end(next.status === 200 ? 'ok' : 'no');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

function deal(id: string, over: Partial<ChangeDeal> = {}): ChangeDeal {
  return {
    id,
    name: `Deal ${id}`,
    ownerId: 'ann',
    createdAt: '2026-09-01T00:00:00Z',
    amount: 1000,
    closeDate: '2027-01-20',
    closeDateChanges: [{ at: '2026-11-12T09:00:00Z', from: '2026-12-20', to: '2027-01-20' }],
    amountChanges: [],
    band: 'at_risk',
    reason: 'No buyer reply in 20 days, usually 3',
    scoreWeekAgo: 55,
    ...over,
  };
}

describe('weekly digest webhook', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let receiver: Receiver;
  let store: TenantStateStore;
  let tenant: Tenant;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    process.env[SECRET_ENV] = SECRET;
  });
  afterAll(async () => {
    delete process.env[SECRET_ENV];
    client?.disconnect();
    await redis?.close();
  });

  beforeEach(async () => {
    receiver = new Receiver();
    await receiver.start();
    store = new TenantStateStore(client, `d${randomUUID().slice(0, 8)}`, 'acme');
    tenant = TenantSchema.parse({
      id: 'acme',
      name: 'Acme',
      connection: {
        crm: 'hubspot',
        basePath: 'http://127.0.0.1:9',
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: 'pat-test' },
      },
      digest: {
        webhookUrl: receiver.url,
        signingSecretEnv: SECRET_ENV,
        owners: false,
        retry: { attempts: 5, initialDelayMs: 20, maxDelayMs: 1_000 },
      },
    });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const deps = (): JobDeps => ({
    tenant: async (id) => (id === tenant.id ? tenant : null),
    store: () => store,
    connector: () => {
      throw new Error('the digest step does not call the CRM');
    },
    now: Date.now,
    logger: createLogger({ level: 'silent' }),
  });

  /** A run of the digest step as of `asOf`, after its score step stored what changed. */
  async function runDigest(asOf: number, jobId = `run-${randomUUID()}`) {
    const doc = computeWhatChanged([deal('a'), deal('b', { ownerId: 'bob', amount: 300 })], {
      asOf,
      timezone: tenant.timezone,
      bands: { healthy: 70, watch: 40 },
      owners: [{ id: 'ann', name: 'Ann' }],
    });
    await store.documents.setJson('whatChanged', doc);
    const payload = {
      tenantId: tenant.id,
      runId: jobId,
      trigger: 'incremental' as const,
      asOf: new Date(asOf).toISOString(),
      fullResync: false,
    };
    return digestJob.process({ id: jobId } as Job, payload, deps());
  }

  /** The delivery log, oldest first. */
  const log = async () => (await store.digests.attempts()).reverse();

  it('signs Slack-compatible JSON: the signature verifies with the secret and not with another', async () => {
    const summary = await runDigest(MONDAY);
    expect(summary).toMatchObject({ status: 'ran', week: '2026-W47', outcomes: { delivered: 1 } });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    const header = String(req!.headers['x-ph-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect(verifySignature(SECRET, req!.body, header, t)).toBe(true);
    expect(verifySignature('another-secret', req!.body, header, t)).toBe(false);
    // A body changed in transit, or an old timestamp replayed, fails too.
    expect(verifySignature(SECRET, `${req!.body} `, header, t)).toBe(false);
    expect(verifySignature(SECRET, req!.body, header, t + 3_600)).toBe(false);
    expect(req!.headers['x-ph-delivery-id']).toBe('acme.2026-W47.team');
    const body = JSON.parse(req!.body) as { text: string; blocks: { type: string }[] };
    expect(body.text).toContain('2 moved out of 2026-Q4');
    expect(body.blocks[0]!.type).toBe('header');
    expect(body.blocks.map((b) => b.type)).toContain('section');
  });

  it('retries 500, 500 then 200 with growing delays: three attempts, exactly one accepted delivery', async () => {
    receiver.script = [{ status: 500 }, { status: 500 }, { status: 200 }];
    const summary = await runDigest(MONDAY);
    expect(summary.outcomes).toMatchObject({ delivered: 1, failed: 0 });
    expect(receiver.requests).toHaveLength(3);
    // Every attempt is the same delivery, freshly signed.
    expect(new Set(receiver.requests.map((r) => r.headers['x-ph-delivery-id']))).toEqual(
      new Set(['acme.2026-W47.team']),
    );
    for (const r of receiver.requests) {
      const header = String(r.headers['x-ph-signature']);
      expect(verifySignature(SECRET, r.body, header, Number(/t=(\d+)/.exec(header)![1]))).toBe(true);
    }
    const entries = await log();
    expect(entries.map((e) => [e.attempt, e.status, e.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 500, 'retry'],
      [3, 200, 'delivered'],
    ]);
    expect(entries[0]!.error).toBe('HTTP 500');
    expect(entries[1]!.retryInMs!).toBeGreaterThan(entries[0]!.retryInMs!);
    expect((await store.digests.state('acme.2026-W47.team'))?.state).toBe('delivered');
  });

  it('a second run in the same week sends nothing; the next week sends again', async () => {
    await runDigest(MONDAY);
    expect(receiver.requests).toHaveLength(1);
    const later = await runDigest(MONDAY + 2 * 86_400_000);
    expect(later.outcomes).toMatchObject({ delivered: 0, already: 1 });
    expect(receiver.requests).toHaveLength(1);
    const next = await runDigest(MONDAY + 7 * 86_400_000);
    expect(next).toMatchObject({ week: '2026-W48', outcomes: { delivered: 1 } });
    expect(receiver.requests).toHaveLength(2);
  });

  it('does not retry a 400; the attempt is logged and the week stays done', async () => {
    receiver.script = [{ status: 400 }];
    const summary = await runDigest(MONDAY);
    expect(summary.outcomes).toMatchObject({ failed: 1, delivered: 0 });
    expect(receiver.requests).toHaveLength(1);
    const entries = await log();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      attempt: 1,
      status: 400,
      outcome: 'failed',
      error: 'HTTP 400',
      retryInMs: null,
    });
    await runDigest(MONDAY + 3_600_000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('waits out a Retry-After longer than the step may wait in a later run, not now', async () => {
    receiver.script = [{ status: 429, headers: { 'retry-after': '120' } }];
    const summary = await runDigest(MONDAY);
    expect(summary.outcomes).toMatchObject({ deferred: 1 });
    expect(receiver.requests).toHaveLength(1);
    const [entry] = await log();
    expect(entry).toMatchObject({ status: 429, outcome: 'retry', retryInMs: 120_000 });
    // The next run a few minutes later is inside the Retry-After: nothing sent.
    const again = await runDigest(MONDAY + 60_000);
    expect(again.outcomes).toMatchObject({ deferred: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('with owners on, sends the team and each changed owner their own digest', async () => {
    tenant = { ...tenant, digest: { ...tenant.digest!, owners: true } };
    const summary = await runDigest(MONDAY);
    expect(summary.outcomes).toMatchObject({ delivered: 3 });
    const ids = receiver.requests.map((r) => String(r.headers['x-ph-delivery-id'])).sort();
    expect(ids).toEqual(['acme.2026-W47.owner:ann', 'acme.2026-W47.owner:bob', 'acme.2026-W47.team']);
    const ann = receiver.requests.find((r) => r.headers['x-ph-delivery-id'] === 'acme.2026-W47.owner:ann')!;
    const body = JSON.parse(ann.body) as { text: string; metadata: { ownerId: string } };
    expect(body.metadata.ownerId).toBe('ann');
    expect(body.text).toContain('for Ann: 1 moved out of 2026-Q4');
  });

  it("is not sent before the week's send time (Monday 08:00 local by default)", async () => {
    const early = await runDigest(Date.parse('2026-11-16T07:59:00Z'));
    expect(early).toMatchObject({ status: 'not_due', week: '2026-W47' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('two workers running the step at once send one request', async () => {
    let open: () => void = () => {};
    receiver.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const first = runDigest(MONDAY, 'worker-a');
    const second = runDigest(MONDAY, 'worker-b');
    // Let the first request arrive, then let the receiver answer.
    const deadline = Date.now() + 60_000;
    while (receiver.requests.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const [a, b] = await Promise.all([
      first,
      second.then((s) => {
        open();
        return s;
      }),
    ]);
    open();
    expect(receiver.requests).toHaveLength(1);
    const outcomes = [a.outcomes, b.outcomes];
    expect(outcomes.map((o) => o.delivered).sort()).toEqual([0, 1]);
    expect(outcomes.map((o) => o.deferred).sort()).toEqual([0, 1]);
  });

  it('prunes digests first claimed more than 35 days ago when it runs', async () => {
    const states = `${store.keys.cursor.slice(0, -'cursor'.length)}digest:deliveries`;
    const old = Date.now() - 36 * 86_400_000;
    await client.hset(
      states,
      'acme.2026-W40.team',
      JSON.stringify({ state: 'delivered', attempts: 1, createdAt: old }),
    );
    await runDigest(MONDAY);
    expect(await client.hexists(states, 'acme.2026-W40.team')).toBe(0);
    expect((await store.digests.state('acme.2026-W47.team'))?.state).toBe('delivered');
  });

  it('a worker lost during its request leaves the outcome unknown and it is never resent', async () => {
    const digests = store.digests;
    const claim = await digests.claim('acme.2026-W47.team', 'lost-worker', 1, 5);
    expect(claim).toEqual({ claimed: true, attempt: 1 });
    await new Promise((r) => setTimeout(r, 10)); // past the 1 ms lease (Redis time)
    const summary = await runDigest(MONDAY);
    expect(summary.outcomes).toMatchObject({ unknown: 1, delivered: 0 });
    expect(receiver.requests).toHaveLength(0);
    expect((await log())[0]).toMatchObject({ outcome: 'unknown', status: null });
  });
});
