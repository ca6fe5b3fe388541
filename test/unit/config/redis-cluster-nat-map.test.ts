import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import { parseClusterNatMap } from '../../../src/config/redis-cluster-nat-map.ts';
import type { AppError } from '../../../src/shared/app-error.ts';
import { clusterEnv } from '../../../src/store/redis-connection.ts';

function configError(env: Record<string, string>): AppError {
  try {
    loadEnv(env);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('loadEnv accepted the environment');
}

// ioredis' `natMap` option, keyed `host:port` as the nodes announce themselves (ioredis README,
// "NAT Mapping": `"10.0.1.230:30001": { host: "203.0.113.73", port: 30001 }`).
describe('REDIS_CLUSTER_NAT_MAP', () => {
  it('maps announced host:port to reachable host:port, IPv6 in brackets', () => {
    expect(
      parseClusterNatMap('10.0.1.230:30001=203.0.113.73:30001, 10.0.1.231:30001=203.0.113.73:30002'),
    ).toEqual({
      '10.0.1.230:30001': { host: '203.0.113.73', port: 30001 },
      '10.0.1.231:30001': { host: '203.0.113.73', port: 30002 },
    });
    expect(parseClusterNatMap('[fd00::1]:7000=[::1]:17000')).toEqual({
      'fd00::1:7000': { host: '::1', port: 17000 },
    });
  });

  it('refuses pairs it cannot read, naming them', () => {
    expect(() => parseClusterNatMap(' , ')).toThrow('at least one');
    expect(() => parseClusterNatMap('10.0.0.1:7000')).toThrow('"10.0.0.1:7000"');
    expect(() => parseClusterNatMap('10.0.0.1:7000=proxy')).toThrow('"10.0.0.1:7000=proxy"');
    expect(() => parseClusterNatMap('10.0.0.1:7000=proxy:70000')).toThrow(
      'announcedHost:port=reachableHost:port',
    );
    expect(() => parseClusterNatMap('a:1=b:2=c:3')).toThrow('announcedHost:port=reachableHost:port');
    expect(() => parseClusterNatMap('a:1=b:2,a:1=c:3')).toThrow('mapped twice');
  });

  it('rides on the seeds (every connecting command gets it), and only with REDIS_CLUSTER_NODES', () => {
    const env = loadEnv({
      REDIS_CLUSTER_NODES: 'proxy:17000',
      REDIS_CLUSTER_NAT_MAP: '10.0.0.1:7000=proxy:17000',
    });
    expect(env.REDIS_CLUSTER_NODES?.natMap).toEqual({ '10.0.0.1:7000': { host: 'proxy', port: 17000 } });
    expect(loadEnv({ REDIS_CLUSTER_NODES: 'proxy:17000' }).REDIS_CLUSTER_NODES?.natMap).toBeUndefined();
    const alone = configError({ REDIS_CLUSTER_NAT_MAP: '10.0.0.1:7000=proxy:17000' });
    expect(alone.code).toBe('CONFIG_INVALID');
    expect((alone.details.problems as string[]).some((p) => p.startsWith('REDIS_CLUSTER_NAT_MAP'))).toBe(
      true,
    );
    const bad = configError({ REDIS_CLUSTER_NODES: 'proxy:17000', REDIS_CLUSTER_NAT_MAP: 'nope' });
    expect((bad.details.problems as string[]).some((p) => p.startsWith('REDIS_CLUSTER_NAT_MAP'))).toBe(true);
  });

  it('is passed on to a child process as the env schema reads it', () => {
    const seeds = {
      nodes: [{ host: '127.0.0.1', port: 17000 }],
      tls: false,
      natMap: {
        '127.0.0.1:7000': { host: '127.0.0.1', port: 17000 },
        '::1:7001': { host: '::1', port: 17001 },
      },
    };
    const env = clusterEnv(seeds);
    expect(env.REDIS_CLUSTER_NAT_MAP).toBe('127.0.0.1:7000=127.0.0.1:17000,[::1]:7001=[::1]:17001');
    expect(loadEnv(env).REDIS_CLUSTER_NODES).toEqual(seeds);
  });
});
