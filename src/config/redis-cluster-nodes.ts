import type { ClusterNatMap } from './redis-cluster-nat-map.ts';

/** The seed nodes of a Redis Cluster, as REDIS_CLUSTER_NODES gives them (see src/store/redis-connection.ts). */
export interface ClusterSeeds {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
  /** REDIS_CLUSTER_NAT_MAP, merged in by the env schema (src/config/redis-cluster-nat-map.ts). */
  natMap?: ClusterNatMap;
}

/**
 * Parse REDIS_CLUSTER_NODES: comma-separated seed nodes, each `host:port` or
 * `redis://[user:password@]host:port` (`rediss://` for TLS). Every entry with credentials or a
 * scheme must agree with the others (one cluster has one ACL user and one TLS setting). Throws an
 * Error whose message names the bad entry.
 */
export function parseClusterNodes(value: string): ClusterSeeds {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new Error('must list at least one host:port');
  const nodes: ClusterSeeds['nodes'] = [];
  const schemes = new Set<string>();
  const auths = new Set<string>();
  let username: string | undefined;
  let password: string | undefined;
  for (const entry of entries) {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `redis://${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new Error(`"${redactEntry(entry)}" is not host:port or a redis:// URL`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new Error(`"${redactEntry(entry)}": the scheme must be redis:// or rediss://`);
    }
    if (url.hostname === '' || url.port === '') {
      throw new Error(`"${redactEntry(entry)}" must name a host and a port (host:port)`);
    }
    if (url.pathname !== '' && url.pathname !== '/' && url.pathname !== '/0') {
      throw new Error(`"${redactEntry(entry)}": a Redis Cluster has only database 0`);
    }
    schemes.add(url.protocol);
    if (url.username !== '' || url.password !== '') {
      username = url.username === '' ? undefined : decodeURIComponent(url.username);
      password = url.password === '' ? undefined : decodeURIComponent(url.password);
      auths.add(`${url.username}:${url.password}`);
    }
    nodes.push({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) });
  }
  if (schemes.size > 1) throw new Error('mixes redis:// and rediss:// entries (one TLS setting per cluster)');
  if (auths.size > 1) throw new Error('entries carry different credentials (one user per cluster)');
  return {
    nodes,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    tls: schemes.has('rediss:'),
  };
}

/** The entry without its password, for messages. */
function redactEntry(entry: string): string {
  return entry.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@');
}
