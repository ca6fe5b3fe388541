import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EffectFence } from '../../../src/store/effect-fence.ts';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { tenantKeys } from '../../../src/store/tenant-keys.ts';
import type { AppError } from '../../../src/shared/app-error.ts';
import { onCluster, startTestRedis } from '../../support/test-redis.ts';

/**
 * REDIS_WAIT_REPLICAS: the fence's write must be acknowledged by that many replicas (Redis WAIT,
 * https://redis.io/docs/latest/commands/wait/: "returns the number of replicas that acknowledged
 * the write commands sent by the current client before the WAIT command") or its batch is not sent.
 * The test Redis has no replicas: WAIT answers 0 after its timeout.
 */
describe(`the effect fence with replicas required (${onCluster ? 'Redis Cluster' : 'one redis-server'})`, () => {
  let redis: RedisEndpoint;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = redis.createClient();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  async function claimed(replicas: number) {
    const keys = tenantKeys(`w${randomUUID().slice(0, 8)}`, 'acme');
    const lease = { jobId: 'j1', token: 't1' };
    const fence = new EffectFence(client, keys, lease, { replicas, timeoutMs: 50 });
    await fence.claim();
    return { keys, fence };
  }

  it('clears the batch without waiting when no replica is required', async () => {
    const { keys, fence } = await claimed(0);
    await fence.saveWriteIntents(new Map([['d1', { score: 40 }]]));
    expect(await client.hget(keys.writeIntents, 'd1')).toBe('{"score":40}');
  });

  it('refuses the batch with REDIS_NOT_REPLICATED when the replicas do not acknowledge in time', async () => {
    const { fence } = await claimed(1);
    const err = (await fence.saveWriteIntents(new Map([['d1', { score: 40 }]])).catch((e) => e)) as AppError;
    expect(err.code).toBe('REDIS_NOT_REPLICATED');
    const alerts = (await fence.checkAlertReservations(new Map()).catch((e) => e)) as AppError;
    expect(alerts.code).toBe('REDIS_NOT_REPLICATED');
  });

  it('still reports a lost step first (the batch is not sent either way)', async () => {
    const { keys, fence } = await claimed(1);
    await client.set(keys.stepLease('j1'), 'someone-else');
    const err = (await fence.saveWriteIntents(new Map([['d1', { score: 40 }]])).catch((e) => e)) as AppError;
    expect(err.code).toBe('STEP_LOCK_LOST');
  });
});
