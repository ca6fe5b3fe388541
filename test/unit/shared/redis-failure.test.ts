import { UnrecoverableError } from 'bullmq';
import { Redis, ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/app-error.ts';
import { decideFailure, failureCode } from '../../../src/shared/failure-decision.ts';

/** Issue 14 item 8: Redis trouble inside a job is REDIS_UNAVAILABLE (retried), not INTERNAL. */
describe('Redis failures inside jobs', () => {
  it('retries a closed ioredis connection as REDIS_UNAVAILABLE', async () => {
    const client = new Redis({ lazyConnect: true, maxRetriesPerRequest: null });
    client.disconnect();
    const err = await client.get('k').catch((e: unknown) => e);
    expect(decideFailure(err)).toMatchObject({ action: 'retry', code: 'REDIS_UNAVAILABLE' });
  });

  it('retries transient Redis error replies and fails the ones that mean a bug', () => {
    // The first word of a Redis error reply is its error kind (RESP "simple errors").
    for (const reply of [
      'LOADING Redis is loading the dataset in memory',
      "READONLY You can't write against a read only replica.",
      'BUSY Redis is busy running a script',
      'OOM command not allowed when used memory > maxmemory',
    ]) {
      expect(decideFailure(new ReplyError(reply))).toMatchObject({
        action: 'retry',
        code: 'REDIS_UNAVAILABLE',
      });
    }
    expect(
      decideFailure(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toMatchObject({ action: 'fail', code: 'INTERNAL' });
  });
});

/** Issue 14 item 8: a failed step records the code of its error object, not one parsed from text. */
describe('the recorded code of a final failure', () => {
  it('comes from the error object', () => {
    expect(failureCode(new AppError('CRM_UNAVAILABLE', 'HubSpot answered 503 five times'))).toBe(
      'CRM_UNAVAILABLE',
    );
    expect(failureCode(new AppError('REDIS_UNAVAILABLE', 'lost'))).toBe('REDIS_UNAVAILABLE');
    // A message that merely looks like a code says nothing.
    expect(failureCode(new UnrecoverableError('CRM_AUTH: expired'))).toBe('INTERNAL');
    expect(failureCode(Object.assign(new UnrecoverableError('expired'), { code: 'CRM_AUTH' }))).toBe(
      'CRM_AUTH',
    );
    expect(failureCode(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBe('INTERNAL');
  });
});
