import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.ts';
import type { AppError } from '../../../src/shared/app-error.ts';

describe('environment', () => {
  it('applies defaults to an empty environment', () => {
    const env = loadEnv({});
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.PH_PREFIX).toBe('ph');
    expect(env.ADMIN_PORT).toBe(8080);
  });

  it('parses good values', () => {
    const env = loadEnv({
      REDIS_URL: 'redis://localhost:6379/2',
      LOG_LEVEL: 'debug',
      ADMIN_TOKENS: '3f9a1c27e4b8d6055a7e2c91f0d4b3a8, ops:operator=Zq8wX2mN7vR4tY6uP1sK3dL9hG5jC0bE',
      ADMIN_PORT: '9090',
      PH_ENCRYPTION_KEY: 'a'.repeat(64),
    });
    expect(env.REDIS_URL).toBe('redis://localhost:6379/2');
    expect(env.ADMIN_TOKENS).toEqual([
      { name: 'token-1', token: '3f9a1c27e4b8d6055a7e2c91f0d4b3a8', role: 'admin' },
      { name: 'ops', token: 'Zq8wX2mN7vR4tY6uP1sK3dL9hG5jC0bE', role: 'operator' },
    ]);
    expect(env.ADMIN_PORT).toBe(9090);
  });

  it('parses scoped tokens and refuses predictable ones (issue 17: aaaaaaaaaaaaaaaaaaaaaaaa was accepted)', () => {
    const env = loadEnv({
      ADMIN_TOKENS:
        'acme-view:tenant:acme=Zq8wX2mN7vR4tY6uP1sK3dL9hG5jC0bE,prom:metrics=9d2f7a1e5c3b8046e1a9d7c2b5f3e08a',
    });
    expect(env.ADMIN_TOKENS?.map((t) => [t.name, t.role, t.tenantId])).toEqual([
      ['acme-view', 'tenant', 'acme'],
      ['prom', 'metrics', undefined],
    ]);
    for (const weak of [
      'aaaaaaaaaaaaaaaaaaaaaaaa',
      'abababababababababababab',
      'ops:admin=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ]) {
      let error: AppError | undefined;
      try {
        loadEnv({ ADMIN_TOKENS: weak });
      } catch (err) {
        error = err as AppError;
      }
      expect(error?.code, weak).toBe('CONFIG_INVALID');
      expect(error?.message).toContain('ADMIN_TOKENS');
      expect(error?.message).not.toContain(weak);
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadEnv({ REDIS_URL: '  ' }).REDIS_URL).toBeUndefined();
  });

  it('lists every bad variable in one CONFIG_INVALID error', () => {
    let error: AppError | undefined;
    try {
      loadEnv({
        REDIS_URL: 'http://nope',
        LOG_LEVEL: 'loud',
        ADMIN_TOKENS: 'short',
        ADMIN_PORT: '70000',
        PH_ENCRYPTION_KEY: 'tooshort',
        PH_PREFIX: 'UPPER',
      });
    } catch (err) {
      error = err as AppError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    const problems = error?.details.problems as string[];
    for (const name of [
      'REDIS_URL',
      'LOG_LEVEL',
      'ADMIN_TOKENS',
      'ADMIN_PORT',
      'PH_ENCRYPTION_KEY',
      'PH_PREFIX',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
    // The message never echoes the rejected secret values.
    expect(error?.message).not.toContain('tooshort');
  });
});
