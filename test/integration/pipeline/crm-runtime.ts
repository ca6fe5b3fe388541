import { afterAll, beforeAll } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import type { CrmKind } from '../../../src/domain/index.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { type CrmUnderTest, startCrm } from './crm-fixture.ts';
import { newRuntime } from './harness.ts';

/** What `useCrmRuntime` holds for the tests of its describe block (set once `beforeAll` ran). */
export interface CrmRuntime {
  target: CrmUnderTest;
  runtime: Runtime;
}

/**
 * A throwaway Redis, a sandbox of `crm` with one tenant, and an in-process runtime with workers for
 * it: started before the describe block's tests and closed after them.
 */
export function useCrmRuntime(
  crm: CrmKind,
  tenantId: string,
  options: Parameters<typeof startCrm>[2],
): CrmRuntime {
  const held = {} as CrmRuntime;
  let redis: RedisEndpoint | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
    held.target = await startCrm(crm, tenantId, options);
    held.runtime = newRuntime(redis, [held.target.tenant]);
    await held.runtime.pool?.waitUntilReady();
  });
  afterAll(async () => {
    await held.runtime?.close();
    await held.target?.sandbox.close();
    await redis?.close();
  });
  return held;
}
