import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector, HealthWrite } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { SEND_WINDOW_MS } from '../../../connectors/shared/send-permit.ts';
import { changedHealthFields, type HealthFieldValues } from '../../../src/domain/index.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { connectorFor, makeWorld, startSandbox } from './salesforce-fixture.ts';

/**
 * A worker paused after its effect fence passed and before its batch left (a GC or VM pause,
 * SIGSTOP; a CI run met it under load: 400 health writes sent twice after a takeover) must not send
 * that batch on waking: the fence's answer is stale by then. The pause is made here by blocking the
 * thread right after the fence passes (Atomics.wait: nothing runs, as in a stopped process), longer
 * than the send window. The batch must then be held back and the fence asked again: sent once when
 * the fence still passes, never when it now fails (the step was taken over meanwhile).
 */

const NO_LIMITS = { tenSecondly: null, daily: null, searchPerSecond: null };
const logger = createLogger({ level: 'silent' });

/** Block this thread (timers, I/O, everything) for `ms`, like a paused process. */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function values(score: number): HealthFieldValues {
  return {
    score,
    band: score >= 70 ? 'healthy' : score >= 40 ? 'watch' : 'at_risk',
    winProbability: null,
    reasons: 'No buyer reply in 12 days, usually 3',
    trend: 'steady',
    scoredAt: '2026-11-20T00:00:00.000Z',
    modelVersion: 'prior-1',
  };
}

/** A fence that passes, freezes the worker on its first pass, and fails from pass `failFrom` on. */
function pausingFence(failFrom: number | null) {
  const state = { passes: 0 };
  const fence = async (): Promise<void> => {
    state.passes += 1;
    if (failFrom !== null && state.passes >= failFrom) {
      throw new AppError('STEP_LOCK_LOST', 'the step is owned by another worker now');
    }
    if (state.passes === 1) freeze(SEND_WINDOW_MS + 500);
  };
  return { state, fence };
}

type Target = {
  connector: CrmConnector;
  dealIds: string[];
  updates: () => number;
  close: () => Promise<void>;
};

async function hubspot(): Promise<Target> {
  const sandbox: HubSpotSandboxHandle = await startHubSpotSandbox({
    seed: 23,
    deals: 20,
    rateLimits: NO_LIMITS,
  });
  const connector = createHubSpotConnector({
    connection: {
      crm: 'hubspot',
      auth: { type: 'private_app', accessToken: sandbox.accessToken },
      basePath: sandbox.baseUrl,
      developmentTarget: true,
    },
    logger,
  });
  await connector.bootstrapSchema();
  const dealIds: string[] = [];
  for await (const page of connector.pull(null)) dealIds.push(...page.deals.map((d) => d.id));
  return {
    connector,
    dealIds: dealIds.slice(0, 5),
    updates: () => sandbox.inspect.callsByEndpoint()['POST /crm/v3/objects/deals/batch/update'] ?? 0,
    close: () => sandbox.close(),
  };
}

async function salesforce(): Promise<Target> {
  const world = makeWorld(20, 23, 0);
  const sandbox: SalesforceSandboxHandle = await startSandbox(world);
  await connectorFor(sandbox, { assignPermissionSet: true }).bootstrapSchema();
  return {
    connector: connectorFor(sandbox),
    dealIds: world.deals.slice(0, 5).map((d) => sandbox.idOf('deal', d.n)),
    updates: () => sandbox.inspect.callsByEndpoint()['PATCH /services/data/vXX.X/composite/sobjects'] ?? 0,
    close: () => sandbox.close(),
  };
}

describe.each([
  ['hubspot', hubspot],
  ['salesforce', salesforce],
] as const)('a %s batch whose worker froze between its fence and its send', (_crm, start) => {
  let target: Target | undefined;
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  function writes(ids: string[]): HealthWrite[] {
    return ids.map((id, i) => ({ dealId: id, values: changedHealthFields(undefined, values(40 + i)) }));
  }

  it('is held back and sent once after the fence passes again', { timeout: 120_000 }, async () => {
    target = await start();
    const before = target.updates();
    const { state, fence } = pausingFence(null);
    const outcome = await target.connector.writeHealth(writes(target.dealIds), { beforeBatch: fence });
    expect(outcome.written.sort()).toEqual([...target.dealIds].sort());
    expect(state.passes).toBeGreaterThanOrEqual(2); // asked again after the freeze
    expect(target.updates() - before).toBe(1); // the stale attempt never reached the CRM
  });

  it('is never sent when the fence fails after the freeze (taken over meanwhile)', {
    timeout: 120_000,
  }, async () => {
    target = await start();
    const before = target.updates();
    const { state, fence } = pausingFence(2);
    const err = await target.connector.writeHealth(writes(target.dealIds), { beforeBatch: fence }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'STEP_LOCK_LOST' });
    expect(state.passes).toBe(2);
    expect(target.updates() - before).toBe(0);
  });
});
