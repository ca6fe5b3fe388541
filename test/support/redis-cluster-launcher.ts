import { Redis } from 'ioredis';
import { launchThrowawayRedis, type ThrowawayRedis } from '../../src/store/redis-server-launcher.ts';

/** Slots in a Redis Cluster (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/). */
const SLOTS = 16_384;

/** One redis-server of a throwaway cluster. */
export interface ClusterNode {
  host: string;
  port: number;
  busPort: number;
  pid: number;
  /** The node's cluster id (CLUSTER MYID). */
  id: string;
}

/** A private Redis Cluster of masters (and their replicas) on loopback ports, gone on stop. */
export interface ThrowawayCluster {
  /** The masters, in slot order (the first serves slot 0). */
  nodes: ClusterNode[];
  /** `replicas` per master, in the order of `nodes` (empty without replicas). */
  replicas: ClusterNode[][];
  /**
   * Start one more server and make it a replica of `master` (a node serving slots, e.g. a promoted
   * replica), as an operator restores redundancy after a failover; resolves once it is in sync.
   */
  addReplica(master: ClusterNode): Promise<ClusterNode>;
  stop(): Promise<void>;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Redis Cluster: ${what} not reached within ${timeoutMs} ms`);
}

/**
 * Start `masters` redis-server processes in cluster mode (each with its own temp dir, nodes.conf,
 * and free client and bus ports), give each an equal range of the 16,384 slots, join them with
 * CLUSTER MEET, and wait until every node reports `cluster_state:ok` and knows every other node.
 * With `replicas` (per master), as many more servers join and each follows its master (CLUSTER
 * REPLICATE), ready once every replica's link to its master is up and every node knows them.
 * `stop` kills the processes (by PID) and removes their directories.
 */
export async function launchThrowawayCluster(
  options: { masters?: number; replicas?: number; timeoutMs?: number } = {},
): Promise<ThrowawayCluster> {
  const masters = options.masters ?? 3;
  const perMaster = options.replicas ?? 0;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const servers: ThrowawayRedis[] = [];
  const admins: Redis[] = [];
  let nodes: ClusterNode[] = [];
  let nodeOf: (server: ThrowawayRedis, id: string) => ClusterNode;
  let follow: (master: ClusterNode) => Promise<ClusterNode>;
  const replicas: ClusterNode[][] = [];
  const stop = async () => {
    for (const a of admins) a.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < masters; i += 1) servers.push(await launchThrowawayRedis({ cluster: true }));
    for (const s of servers) {
      const admin = new Redis({ host: '127.0.0.1', port: s.port, maxRetriesPerRequest: 1 });
      admin.on('error', () => {});
      admins.push(admin);
    }
    // Equal contiguous slot ranges, as `redis-cli --cluster create` would assign them.
    await Promise.all(
      admins.map((admin, i) => {
        const first = Math.floor((SLOTS * i) / masters);
        const last = Math.floor((SLOTS * (i + 1)) / masters) - 1;
        return admin.call('CLUSTER', 'ADDSLOTSRANGE', first, last);
      }),
    );
    // Cluster bus ports are not port+10000 here: MEET names each one.
    for (const s of servers.slice(1)) {
      await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', s.port, s.busPort!);
    }
    await waitFor(
      'cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(admins.map((a) => a.call('CLUSTER', 'INFO') as Promise<string>));
        return infos.every(
          (info) =>
            info.includes('cluster_state:ok') &&
            info.includes(`cluster_known_nodes:${masters}`) &&
            info.includes(`cluster_slots_assigned:${SLOTS}`) &&
            info.includes(`cluster_size:${masters}`),
        );
      },
      timeoutMs,
    );
    // Every node must also agree on who serves every slot, or a client's first MOVED could loop.
    await waitFor(
      'one slot map on every node',
      async () => {
        const maps = await Promise.all(
          admins.map(async (a) => JSON.stringify(((await a.call('CLUSTER', 'SLOTS')) as unknown[][]).sort())),
        );
        return maps.every((m) => m === maps[0]);
      },
      timeoutMs,
    );
    /** A new server, joined to the cluster through `master` and following it. */
    follow = async (master: ClusterNode) => {
      const server = await launchThrowawayRedis({ cluster: true });
      servers.push(server);
      const admin = new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
      admin.on('error', () => {});
      admins.push(admin);
      await admin.call('CLUSTER', 'MEET', master.host, master.port, master.busPort);
      // A node can follow a master only once it knows it (gossip after the MEET).
      await waitFor(
        'the new replica to learn its master',
        async () => ((await admin.call('CLUSTER', 'NODES')) as string).includes(master.id),
        timeoutMs,
      );
      await admin.call('CLUSTER', 'REPLICATE', master.id);
      return nodeOf(server, (await admin.call('CLUSTER', 'MYID')) as string);
    };
    const ids = await Promise.all(admins.map((a) => a.call('CLUSTER', 'MYID') as Promise<string>));
    nodeOf = (server: ThrowawayRedis, id: string): ClusterNode => ({
      host: '127.0.0.1',
      port: server.port,
      busPort: server.busPort!,
      pid: server.pid,
      id,
    });
    nodes = servers.map((server, i) => nodeOf(server, ids[i]!));
    for (let m = 0; m < masters; m += 1) {
      const own: ClusterNode[] = [];
      for (let r = 0; r < perMaster; r += 1) {
        own.push(await follow(nodes[m]!));
      }
      replicas.push(own);
    }
    if (perMaster > 0) {
      const total = masters * (1 + perMaster);
      await waitFor(
        'every replica in sync and known to every node',
        async () => {
          const infos = await Promise.all(
            admins.map(async (a) => `${await a.call('CLUSTER', 'INFO')}${await a.info('replication')}`),
          );
          return infos.every(
            (info, i) =>
              info.includes(`cluster_known_nodes:${total}`) &&
              info.includes('cluster_state:ok') &&
              (i < masters
                ? info.includes(`connected_slaves:${perMaster}`)
                : info.includes('master_link_status:up')),
          );
        },
        timeoutMs,
      );
    }
    for (const a of admins) a.disconnect();
    admins.length = 0;
  } catch (err) {
    await stop();
    throw err;
  }
  const addReplica = async (master: ClusterNode) => {
    const replica = await follow(master);
    const admin = admins.at(-1)!;
    await waitFor(
      'the added replica in sync',
      async () => (await admin.info('replication')).includes('master_link_status:up'),
      timeoutMs,
    );
    return replica;
  };
  return { nodes, replicas, addReplica, stop };
}
