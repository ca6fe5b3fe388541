import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertEpisodeKey, alertKey } from '../../../src/domain/index.ts';
import { dealScopedKeys } from '../../../src/store/deal-scoped-keys.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import type { AlertReservation } from '../../../src/store/alerts.store.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

/**
 * Issue 19: a deal that leaves the tenant (deleted, or dropped by a reconciliation) takes its open
 * alerts and every per-deal hash with it, whole deal by whole deal, so an interrupted
 * reconciliation leaves a consistent state and a rerun finishes it with the right totals.
 */

const AS_OF = '2026-12-01T00:00:00.000Z';

/** A stored deal with a result, a ledger, written values and one open alert (confirmed or pending). */
async function seed(
  client: RedisClient,
  store: TenantStateStore,
  ids: string[],
  pending = false,
): Promise<void> {
  const k = store.keys;
  const fields = (value: string) => Object.fromEntries(ids.map((id) => [id, value]));
  await client.hset(k.deals, fields('{}'));
  await client.hset(k.activities, fields('[]'));
  await client.hset(k.results, fields('{}'));
  await client.hset(k.history, fields('[]'));
  await client.hset(k.written, fields('{}'));
  const reservations = store.alerts;
  for (const dealId of ids) {
    const key = alertKey({ tenantId: store.tenantId, dealId, kind: 'buyer_silent' });
    const episode = alertEpisodeKey(key, AS_OF);
    const reserved = (await reservations.reserve(key, episode)) as AlertReservation;
    if (!pending) await reservations.confirm(key, reserved, `task-${dealId}`);
  }
}

/** Per deal: [stored in any deal-scoped hash, has an open alert]. */
async function presence(client: RedisClient, store: TenantStateStore, dealId: string): Promise<boolean[]> {
  const perHash = await Promise.all(dealScopedKeys(store.keys).map((key) => client.hexists(key, dealId)));
  const alert = await client.hexists(
    store.keys.alertsOpen,
    alertKey({ tenantId: store.tenantId, dealId, kind: 'buyer_silent' }),
  );
  return [...perHash.filter((_, i) => i !== 5), alert].map((n) => n === 1); // no write intent was seeded
}

async function* listed(ids: string[]): AsyncIterable<string[]> {
  yield ids;
}

describe('deals leaving the tenant', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const newStore = (c: RedisClient = client) =>
    new TenantStateStore(c, `r${randomUUID().slice(0, 6)}`, 'acme');

  it('a deleted deal closes its open alerts, confirmed and pending, in the page transaction', async () => {
    const store = newStore();
    await seed(client, store, ['d1', 'd2']);
    await seed(client, store, ['d3'], true);
    const saved = await store.sync.savePage({
      deals: [],
      activities: [],
      contacts: [],
      accounts: [],
      deletedDealIds: ['d1', 'd3', 'never-stored'],
      quarantined: [],
      cursor: 'c1',
    });
    expect(saved).toMatchObject({ deleted: 3, alertsClosed: 2 });
    expect(await presence(client, store, 'd1')).toEqual([false, false, false, false, false, false]);
    expect(await presence(client, store, 'd3')).toEqual([false, false, false, false, false, false]);
    expect(await presence(client, store, 'd2')).toEqual([true, true, true, true, true, true]);
  });

  it('an interrupted reconciliation leaves whole deals, and its rerun finishes with the run totals', async () => {
    const kept = Array.from({ length: 1_000 }, (_, i) => `k${i}`);
    const gone = Array.from({ length: 4_000 }, (_, i) => `g${i}`);
    // The fault: the reply of the second chunk's script is lost (the connection drops after Redis
    // ran it), as when a worker dies mid-way; the caller sees an error.
    const faulty = redis.createClient();
    const store = newStore(faulty);
    await seed(client, store, kept);
    await seed(client, store, gone, true);
    const send = faulty.eval.bind(faulty) as (...args: unknown[]) => Promise<unknown>;
    let chunks = 0;
    (faulty as unknown as { eval: unknown }).eval = async (...args: unknown[]) => {
      const reply = await send(...args);
      if (String(args[0]).includes('hincrby') && ++chunks === 2) throw new Error('connection lost');
      return reply;
    };
    try {
      await expect(store.fullSync.reconcileIds('run-1', listed(kept))).rejects.toThrow('connection lost');

      // Mid-way: some unlisted deals are gone, some not, and each one wholly so.
      const states = await Promise.all(gone.map((id) => presence(client, store, id)));
      const left = states.filter((s) => s[0]).length;
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(gone.length);
      for (const s of states) expect(new Set(s).size).toBe(1);

      const totals = await store.fullSync.reconcileIds('run-1', listed(kept));
      expect(totals).toEqual({ dropped: gone.length, alertsClosed: gone.length });
      for (const id of gone.slice(0, 50)) expect(await presence(client, store, id)).not.toContain(true);
      expect(await client.hlen(store.keys.alertsOpen)).toBe(kept.length);
      expect(await store.deals.dealCount()).toBe(kept.length);
      // Another run counts its own (nothing left to drop).
      expect(await store.fullSync.reconcileIds('run-2', listed(kept))).toEqual({
        dropped: 0,
        alertsClosed: 0,
      });
    } finally {
      faulty.disconnect();
    }
  });
});
