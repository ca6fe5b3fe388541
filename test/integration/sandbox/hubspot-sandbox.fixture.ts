// The HubSpot sandbox the sandbox suites test: a generated world, no rate limits unless a test sets
// them, and the official SDK client pointed at it.
import { Client } from '@hubspot/api-client';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type HubSpotSandboxHandle,
  type HubSpotSandboxOptions,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';

/** The moment generated worlds are built around. */
const WORLD_NOW = '2026-11-27T00:00:00.000Z';

export async function startSdkSandbox(
  seed: number,
  deals: number,
  options: Partial<HubSpotSandboxOptions> = {},
): Promise<{ sandbox: HubSpotSandboxHandle; client: Client }> {
  const sandbox = await startHubSpotSandbox({
    world: generateWorld({ seed, deals, now: WORLD_NOW }),
    rateLimits: { tenSecondly: null, searchPerSecond: null },
    ...options,
  });
  return { sandbox, client: new Client({ accessToken: sandbox.accessToken, basePath: sandbox.baseUrl }) };
}
