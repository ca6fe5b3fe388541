import type { CrmKind } from '../domain/index.ts';
import { generateWorld } from './generator/generate-world.ts';
import { startHubSpotSandbox } from './hubspot/start-hubspot-sandbox.ts';
import { startSalesforceSandbox } from './salesforce/salesforce-sandbox.ts';
import type { SandboxHandle } from './sandbox-handle.ts';
import type { SandboxWorld } from './world.ts';

export interface StartSandboxOptions {
  crm: CrmKind;
  /** Deals in the generated world. Default 300. */
  deals?: number;
  /** Seed of the generated world. Default 42. */
  seed?: number;
  /** Port on 127.0.0.1; 0 = a free port. Default 0. */
  port?: number;
  world?: SandboxWorld;
}

/** Start the embedded sandbox of either CRM on a generated (or given) world. */
export async function startSandbox(
  options: StartSandboxOptions,
): Promise<SandboxHandle & { world: SandboxWorld }> {
  const world = options.world ?? generateWorld({ seed: options.seed ?? 42, deals: options.deals ?? 300 });
  const port = options.port ?? 0;
  if (options.crm === 'hubspot') return startHubSpotSandbox({ world, port });
  const handle = await startSalesforceSandbox({ world, port });
  return Object.assign(handle, { world });
}
