import { describe, expect, it } from 'vitest';
import { TokenProvider } from '../../../connectors/hubspot/hubspot-auth.ts';
import { SlidingWindowLimiter } from '../../../connectors/shared/rate-limiter.ts';
import { AppError } from '../../../src/shared/app-error.ts';

/** A fake-clock sleep: yield to the event loop, then let the limiter look at the clock again. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe('SlidingWindowLimiter', () => {
  /** Try to acquire; true when it got a slot within a few event-loop turns at the current fake time. */
  async function gets(limiter: SlidingWindowLimiter, kind = 'default'): Promise<boolean> {
    let done = false;
    const controller = new AbortController();
    limiter.acquire(kind, controller.signal).then(
      () => {
        done = true;
      },
      () => undefined,
    );
    for (let i = 0; i < 10 && !done; i += 1) await tick();
    if (!done) controller.abort();
    return done;
  }

  it('never starts more than the window allows, per window and per kind', async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter({
      requestsPerWindow: 5,
      windowMs: 10_000,
      perSecond: { search: 2 },
      now: () => now,
      sleep: tick,
    });
    expect(await gets(limiter, 'search')).toBe(true);
    expect(await gets(limiter, 'search')).toBe(true);
    expect(await gets(limiter, 'search')).toBe(false); // third search in the same second
    expect(await gets(limiter)).toBe(true);
    now = 1_000;
    expect(await gets(limiter, 'search')).toBe(true);
    expect(await gets(limiter)).toBe(true);
    expect(await gets(limiter)).toBe(false); // 5 in the 10-second window
    now = 10_000;
    expect(await gets(limiter)).toBe(true); // the first two left the window
  });

  it('lowers its maximum to what the CRM advertises and holds back when nothing remains', async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter({
      requestsPerWindow: 190,
      windowMs: 10_000,
      now: () => now,
      sleep: tick,
    });
    limiter.observe({ max: 100, remaining: 99, intervalMs: 10_000 });
    expect(limiter.maxPerWindow).toBe(100);
    expect(await gets(limiter)).toBe(true);
    limiter.observe({ max: 100, remaining: 0, intervalMs: 10_000 });
    expect(await gets(limiter)).toBe(false);
    now = 10_001;
    expect(await gets(limiter)).toBe(true);
  });

  it('pause holds every request back for the given time', async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter({
      requestsPerWindow: 190,
      windowMs: 10_000,
      now: () => now,
      sleep: tick,
    });
    limiter.pause(2_000);
    expect(await gets(limiter)).toBe(false);
    now = 2_000;
    expect(await gets(limiter)).toBe(true);
  });
});

describe('TokenProvider', () => {
  const oauth = { type: 'oauth' as const, clientId: 'c', clientSecret: 's', refreshToken: 'r1' };

  it('refreshes once for many concurrent callers and again shortly before expiry', async () => {
    let now = 0;
    let refreshes = 0;
    const provider = new TokenProvider({
      auth: oauth,
      now: () => now,
      refresh: async () => {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 10));
        return { accessToken: `a${refreshes}`, refreshToken: null, expiresInSeconds: 1_800 };
      },
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.token()));
    expect(new Set(tokens)).toEqual(new Set(['a1']));
    expect(refreshes).toBe(1);
    now = 1_800_000 - 30_000; // inside the 60 s skew
    expect(await provider.token()).toBe('a2');
    expect(refreshes).toBe(2);
  });

  it('after a 401 refreshes only if nobody already replaced the rejected token', async () => {
    let refreshes = 0;
    const provider = new TokenProvider({
      auth: oauth,
      now: () => 0,
      refresh: async () => {
        refreshes += 1;
        return { accessToken: `a${refreshes}`, refreshToken: 'r2', expiresInSeconds: 1_800 };
      },
    });
    await provider.token();
    await Promise.all([provider.rejected('a1'), provider.rejected('a1')]);
    expect(refreshes).toBe(2);
    await provider.rejected('a1'); // stale: a2 is current
    expect(refreshes).toBe(2);
  });

  it('cannot refresh a private-app token: a 401 is CRM_AUTH', async () => {
    const provider = new TokenProvider({
      auth: { type: 'private_app', accessToken: 'pat' },
      now: () => 0,
      refresh: async () => {
        throw new Error('never');
      },
    });
    expect(await provider.token()).toBe('pat');
    await expect(provider.rejected('pat')).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === 'CRM_AUTH',
    );
  });
});
