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
      ADMIN_TOKENS: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      ADMIN_PORT: '9090',
      PH_ENCRYPTION_KEY: 'a'.repeat(64),
    });
    expect(env.REDIS_URL).toBe('redis://localhost:6379/2');
    expect(env.ADMIN_TOKENS).toHaveLength(2);
    expect(env.ADMIN_PORT).toBe(9090);
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
