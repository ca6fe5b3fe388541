import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import { masterNodes, type RedisClient } from '../../../src/store/redis-client.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { startRedisHoldingLink } from '../../support/holding-link.ts';
import { onCluster, startTestRedis } from '../../support/test-redis.ts';
import { until } from '../../support/until.ts';

/** A key whose slot `node` serves (CLUSTER KEYSLOT against the node's own CLUSTER SLOTS). */
async function keyOn(node: Redis, tag: string): Promise<string> {
  if (!onCluster) return `${tag}:{0}`;
  const ranges = (await node.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const own = ranges.filter(([, , master]) => master[1] === node.options.port);
  for (let i = 0; ; i += 1) {
    const key = `${tag}:{${i}}`;
    const slot = (await node.call('CLUSTER', 'KEYSLOT', key)) as number;
    if (own.some(([first, last]) => slot >= first && slot <= last)) return key;
  }
}

/**
 * The fault tests' holding link (test/support/holding-link.ts) on the Redis under test. On a
 * Redis Cluster the product reaches the nodes at the addresses they announce in CLUSTER SLOTS and
 * MOVED (https://redis.io/docs/latest/commands/cluster-slots/), so a link in front of one node is
 * gone around: the link fronts every node and maps the announced addresses to its ports through
 * REDIS_CLUSTER_NAT_MAP (ioredis `natMap`, its README "NAT Mapping").
 */
describe(`the holding link (${onCluster ? 'Redis Cluster' : 'one redis-server'})`, () => {
  let redis: RedisEndpoint;
  let direct: RedisClient;

  beforeAll(async () => {
    redis = await startTestRedis();
    direct = redis.createClient();
  });
  afterAll(async () => {
    direct?.disconnect();
    await redis?.close();
  });

  it('is the only way a client configured from its environment reaches every node', async () => {
    const link = await startRedisHoldingLink(redis);
    const env = loadEnv(link.env);
    const linked = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
    const name = `linked-${randomUUID().slice(0, 8)}`;
    const client = linked.createClient({ connectionName: name });
    try {
      const masters = await masterNodes(direct);
      for (const [i, node] of masters.entries()) await client.set(await keyOn(node, `via${i}`), 'x');
      const ports = new Set(link.upstreamPorts());
      for (const node of masters) {
        const list = (await node.call('CLIENT', 'LIST')) as string;
        const addrs = list
          .split('\n')
          .filter((l) => l.includes(`name=${name}`))
          .map((l) => Number(/ addr=[^ ]*:(\d+) /.exec(` ${l}`)![1]));
        // Every master served a command of the client, through a connection the link opened.
        expect(addrs.length).toBeGreaterThan(0);
        for (const port of addrs) expect(ports.has(port)).toBe(true);
      }
    } finally {
      client.disconnect();
      await linked.close();
      await link.close();
    }
  });

  it('holds the answer of the aimed command whichever node serves it', async () => {
    for (const [i, node] of (await masterNodes(direct)).entries()) {
      const key = await keyOn(node, `hold${i}`);
      const link = await startRedisHoldingLink(redis);
      const env = loadEnv(link.env);
      const linked = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
      const client = linked.createClient();
      try {
        await client.ping();
        link.holdAnswersAfter((sent) => (sent.includes(key) ? 1 : 0));
        let answered = false;
        const set = client.set(key, 'v').then(() => {
          answered = true;
        });
        await until(() => link.holding(), `the SET on master ${i} to be held`, 30_000);
        // Redis acted on it (anyone else sees it) while the client has not heard back.
        await until(async () => (await node.get(key)) === 'v', `the SET on master ${i} to land`, 30_000);
        expect(answered).toBe(false);
        link.release();
        await set;
        expect(answered).toBe(true);
      } finally {
        client.disconnect();
        await linked.close();
        await link.close();
      }
    }
  });
});
