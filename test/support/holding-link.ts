import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { clusterEnv, type RedisEndpoint } from '../../src/store/redis-connection.ts';

/** How many times `needle` occurs in `text`. */
export function occurrences(text: string, needle: string): number {
  return needle === '' ? 0 : text.split(needle).length - 1;
}

/**
 * A TCP link in front of a redis-server, or one in front of every node of a Redis Cluster, for
 * fault tests: bytes pass both ways, until a command the test names goes through; from then on the
 * answers on that connection are held back (the server has acted on the command, anyone else can
 * see it, but the client has not heard back) until the test releases them. A test aims a pause at
 * exactly that moment, which a slow network or a busy machine opens only by chance.
 */
export interface HoldingLink {
  /** The upstream's URL with the link's address (one server; on a cluster the first node's link). */
  readonly url: string;
  /**
   * The environment that points a child process at Redis through the link only: REDIS_URL, or on a
   * cluster REDIS_CLUSTER_NODES (the links) and REDIS_CLUSTER_NAT_MAP (each node's announced
   * address to its link, so CLUSTER SLOTS and MOVED answers lead there too).
   */
  readonly env: Record<string, string>;
  /**
   * Hold the answers of a connection once it has sent the `nth` (default 1st) command the test is
   * looking for: `count` says how many of them a chunk of sent bytes holds (a client may pipeline
   * several commands into one chunk). Counted over every node's link together, from this call on;
   * calling it again (before or after a release) aims the next hold.
   */
  holdAnswersAfter(count: (sent: string) => number, nth?: number): void;
  /** True while a connection is being held (not yet released). */
  holding(): boolean;
  /** The local ports of the link's open connections to Redis (what CLIENT LIST shows as `addr`). */
  upstreamPorts(): number[];
  /** Let the held answers (and everything after them) through. */
  release(): void;
  close(): Promise<void>;
}

/** What every front of one link shares: the command count and the held connections. */
interface Hold {
  client: net.Socket;
  chunks: Buffer[];
  released: boolean;
}

interface HoldState {
  /** The aimed hold's command count, until it holds. */
  counter: ((sent: string) => number) | null;
  wanted: number;
  matched: number;
  held: Hold[];
  sockets: Set<net.Socket>;
  upstreams: Set<net.Socket>;
}

/** A TCP front on a free loopback port, passing bytes to `host:port` under the shared hold. */
async function front(host: string, port: number, state: HoldState): Promise<net.Server> {
  const server = net.createServer((client) => {
    const up = net.connect(port, host);
    state.sockets.add(client);
    state.sockets.add(up);
    state.upstreams.add(up);
    let hold: Hold | null = null;
    // The tail of the previous chunk, so a name split across two chunks is still seen.
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-512);
      const found = hold === null || hold.released ? (state.counter?.(text) ?? 0) : 0;
      if (found > 0) {
        tail = ''; // counted once
        state.matched += found;
        if (state.matched >= state.wanted) {
          state.counter = null;
          hold = { client, chunks: [], released: false };
          state.held.push(hold);
        }
      }
      up.write(chunk);
    });
    up.on('data', (chunk: Buffer) => {
      if (hold !== null && !hold.released) hold.chunks.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      up.destroy();
      state.sockets.delete(client);
      state.sockets.delete(up);
      state.upstreams.delete(up);
    };
    for (const s of [client, up]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function linkOf(
  state: HoldState,
  servers: net.Server[],
  url: string,
  env: Record<string, string>,
): HoldingLink {
  return {
    url,
    env,
    holdAnswersAfter(count, nth = 1) {
      state.counter = count;
      state.wanted = nth;
      state.matched = 0;
    },
    holding: () => state.held.some((h) => !h.released),
    upstreamPorts: () =>
      [...state.upstreams].flatMap((up) => (up.localPort === undefined ? [] : [up.localPort])),
    release() {
      for (const h of state.held.splice(0)) {
        h.released = true;
        for (const c of h.chunks.splice(0)) if (!h.client.destroyed) h.client.write(c);
      }
    },
    async close() {
      for (const s of state.sockets) s.destroy();
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}

function newState(): HoldState {
  return {
    counter: null,
    wanted: 1,
    matched: 0,
    held: [],
    sockets: new Set(),
    upstreams: new Set(),
  };
}

/** A link in front of one redis-server at `upstreamUrl`. */
export async function startHoldingLink(upstreamUrl: string): Promise<HoldingLink> {
  const upstream = new URL(upstreamUrl);
  const state = newState();
  const server = await front(upstream.hostname, Number(upstream.port), state);
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  const linked = url.toString().replace(/\/$/, '');
  return linkOf(state, [server], linked, { REDIS_URL: linked });
}

/**
 * A link in front of a test's Redis: its one server, or on a cluster every node CLUSTER SLOTS names
 * (masters and replicas, so a promoted replica is reached through its link too).
 */
export async function startRedisHoldingLink(redis: RedisEndpoint): Promise<HoldingLink> {
  if (!redis.cluster) return startHoldingLink(redis.url);
  const client = redis.createClient({ maxRetriesPerRequest: 1 });
  let nodes: { host: string; port: number }[];
  try {
    // [start, end, [host, port, id, ...], ...replicas] per slot range (https://redis.io/docs/latest/commands/cluster-slots/).
    const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, ...[string, number][]][];
    const seen = new Map<string, { host: string; port: number }>();
    for (const [, , ...served] of ranges)
      for (const [host, port] of served) seen.set(`${host}:${port}`, { host, port });
    nodes = [...seen.values()];
  } finally {
    client.disconnect();
  }
  const state = newState();
  const servers: net.Server[] = [];
  const natMap: Record<string, { host: string; port: number }> = {};
  for (const node of nodes) {
    const server = await front(node.host, node.port, state);
    servers.push(server);
    natMap[`${node.host}:${node.port}`] = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  }
  const seeds = Object.values(natMap);
  return linkOf(
    state,
    servers,
    `redis://${seeds[0]!.host}:${seeds[0]!.port}`,
    clusterEnv({ nodes: seeds, tls: false, natMap }),
  );
}
