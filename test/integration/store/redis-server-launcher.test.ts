import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { resolveRedis } from '../../../src/store/redis-connection.ts';
import { launchThrowawayRedis } from '../../../src/store/redis-server-launcher.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('throwaway redis-server', () => {
  it('starts on a loopback port, answers PING, and is gone after stop', async () => {
    const server = await launchThrowawayRedis();
    expect(server.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(isAlive(server.pid)).toBe(true);
    const client = new Redis(server.url);
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    client.disconnect();
    await server.stop();
    expect(isAlive(server.pid)).toBe(false);
    const after = new Redis(server.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    after.on('error', () => {});
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
  });

  it('gives two servers two different ports', async () => {
    const [a, b] = await Promise.all([launchThrowawayRedis(), launchThrowawayRedis()]);
    expect(a.port).not.toBe(b.port);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('says exactly what to do when redis-server is missing', async () => {
    await expect(launchThrowawayRedis({ binary: '/nonexistent/redis-server' })).rejects.toMatchObject({
      code: 'REDIS_UNAVAILABLE',
    });
    const { REDIS_MISSING_HELP } = await import('../../../src/store/redis-server-launcher.ts');
    expect(REDIS_MISSING_HELP).toContain('apt-get install -y redis-server');
    expect(REDIS_MISSING_HELP).toContain('REDIS_URL');
  });

  it('uses REDIS_URL when given and fails fast with REDIS_UNAVAILABLE when it is unreachable', async () => {
    const server = await launchThrowawayRedis();
    const endpoint = await resolveRedis(server.url);
    expect(endpoint.throwaway).toBe(false);
    const client = endpoint.createClient();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await endpoint.close();
    await server.stop();
    await expect(resolveRedis(server.url)).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
  });

  it('starts a throwaway server when REDIS_URL is unset', async () => {
    const endpoint = await resolveRedis(undefined);
    expect(endpoint.throwaway).toBe(true);
    const client = endpoint.createClient();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await endpoint.close();
  });
});
