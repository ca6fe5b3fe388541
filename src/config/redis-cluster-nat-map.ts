/** Where to reach each node of a Redis Cluster whose announced addresses this process cannot use. */
export type ClusterNatMap = Record<string, { host: string; port: number }>;

/** `host:port` or `[ipv6]:port`, the port 1-65535. */
function address(text: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Parse REDIS_CLUSTER_NAT_MAP: comma-separated `announced=reachable` pairs of `host:port`, the
 * address a node announces (CLUSTER SLOTS, MOVED) and the one this process reaches it at (a NAT, a
 * Docker port mapping, a TCP proxy). Keys are `host:port` as ioredis' `natMap` option looks them up
 * (its README, "NAT Mapping"). Throws an Error whose message names the bad pair.
 */
export function parseClusterNatMap(value: string): ClusterNatMap {
  const pairs = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (pairs.length === 0) throw new Error('must list at least one announced=reachable pair');
  const map: ClusterNatMap = {};
  for (const pair of pairs) {
    const [from, to, ...rest] = pair.split('=');
    const announced = from === undefined ? undefined : address(from);
    const reachable = to === undefined ? undefined : address(to);
    if (rest.length > 0 || announced === undefined || reachable === undefined) {
      throw new Error(`"${pair}" is not announcedHost:port=reachableHost:port`);
    }
    const key = `${announced.host}:${announced.port}`;
    if (key in map) throw new Error(`"${key}" is mapped twice`);
    map[key] = reachable;
  }
  return map;
}
