import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import { parseClusterNodes } from '../../../src/config/redis-cluster-nodes.ts';
import type { AppError } from '../../../src/shared/app-error.ts';
import { redactUrl } from '../../../src/store/redis-connection.ts';

function configError(env: Record<string, string>): AppError {
  try {
    loadEnv(env);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('loadEnv accepted the environment');
}

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port seeds and redis:// URLs with one set of credentials', () => {
    expect(parseClusterNodes('10.0.0.1:7000, 10.0.0.2:7001')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    });
    expect(parseClusterNodes('rediss://app:s%40cret@redis-a:6380,rediss://redis-b:6380')).toEqual({
      nodes: [
        { host: 'redis-a', port: 6380 },
        { host: 'redis-b', port: 6380 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(parseClusterNodes('[::1]:7000').nodes).toEqual([{ host: '::1', port: 7000 }]);
  });

  it('refuses what cannot be one cluster, naming the entry but not its password', () => {
    expect(() => parseClusterNodes(' , ')).toThrow('at least one');
    expect(() => parseClusterNodes('redis-a')).toThrow('host and a port');
    expect(() => parseClusterNodes('http://redis-a:7000')).toThrow('redis:// or rediss://');
    expect(() => parseClusterNodes('redis://redis-a:7000/2')).toThrow('only database 0');
    expect(() => parseClusterNodes('redis://a:7000,rediss://b:7000')).toThrow('one TLS setting');
    expect(() => parseClusterNodes('redis://u:one@a:7000,redis://u:two@b:7000')).toThrow(
      'different credentials',
    );
    expect(() => parseClusterNodes('redis://u:hunter2@a:99999')).toThrow(/u:\*\*\*@/);
    expect(() => parseClusterNodes('redis://u:hunter2@a:99999')).not.toThrow(/hunter2/);
  });

  it('is validated with the environment: CONFIG_INVALID, and never together with REDIS_URL', () => {
    expect(loadEnv({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).REDIS_CLUSTER_NODES?.nodes).toHaveLength(1);
    const bad = configError({ REDIS_CLUSTER_NODES: 'redis-a' });
    expect(bad.code).toBe('CONFIG_INVALID');
    expect((bad.details.problems as string[]).some((p) => p.startsWith('REDIS_CLUSTER_NODES'))).toBe(true);
    const both = configError({ REDIS_URL: 'redis://localhost:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
    expect(both.code).toBe('CONFIG_INVALID');
    expect((both.details.problems as string[]).some((p) => p.startsWith('REDIS_CLUSTER_NODES'))).toBe(true);
  });

  it('shows the seeds in messages without the password', () => {
    expect(redactUrl('redis-cluster://app:s%40cret@a:7000,b:7001')).toBe(
      'redis-cluster://app:***@a:7000,b:7001',
    );
    expect(redactUrl('redis-cluster://a:7000,b:7001')).toBe('redis-cluster://a:7000,b:7001');
  });
});
