import type { CrmKind, Tenant } from '../../../src/domain/index.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import { startHubSpotSandbox } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { startSalesforceSandbox } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { RecordedWrite, SandboxHandle } from '../../../src/sandbox/sandbox-handle.ts';
import { hubspotTenant, NO_SCHEDULE, prepareSalesforce, salesforceTenant } from './harness.ts';

/** Per CRM: how its sandbox records our deal updates and alert task creates. */
export interface CrmUnderTest {
  crm: CrmKind;
  sandbox: SandboxHandle;
  tenant: Tenant;
  dealUpdates(): RecordedWrite[];
  taskCreates(): RecordedWrite[];
  /** The alert key stored on a created task. */
  alertKeyOf(write: RecordedWrite): string;
  /** One read-only API call, answered like any other (with the sandbox's current latency). */
  probe(): Promise<void>;
}

async function get(url: string, token: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`probe ${url}: ${res.status}`);
}

/**
 * A sandbox of either CRM and a tenant for it, ready for worker processes (Salesforce: the
 * permission set is assigned here, as an admin would, so the workers' bootstrap finds it).
 */
export async function startCrm(
  crm: CrmKind,
  id: string,
  options: { deals: number; seed: number; tenant?: Record<string, unknown> },
): Promise<CrmUnderTest> {
  const world = generateWorld({ seed: options.seed, deals: options.deals });
  const extra = { ...NO_SCHEDULE, ...options.tenant };
  if (crm === 'hubspot') {
    const sandbox = await startHubSpotSandbox({ world });
    return {
      crm,
      sandbox,
      tenant: hubspotTenant(id, sandbox, extra),
      dealUpdates: () =>
        sandbox.inspect.writes().filter((w) => w.objectType === 'deals' && w.operation === 'update'),
      taskCreates: () =>
        sandbox.inspect.writes().filter((w) => w.objectType === 'tasks' && w.operation === 'create'),
      alertKeyOf: (w) => String(w.values.ph_alert_key),
      probe: () => get(`${sandbox.baseUrl}/crm/v3/objects/deals?limit=1`, sandbox.accessToken),
    };
  }
  const sandbox = await startSalesforceSandbox({ world });
  await prepareSalesforce(sandbox);
  return {
    crm,
    sandbox,
    tenant: salesforceTenant(id, sandbox, extra),
    dealUpdates: () =>
      sandbox.inspect.writes().filter((w) => w.objectType === 'Opportunity' && w.operation === 'update'),
    taskCreates: () =>
      sandbox.inspect.writes().filter((w) => w.objectType === 'Task' && w.operation === 'create'),
    alertKeyOf: (w) => String(w.values.PH_Alert_Key__c),
    probe: () => get(`${sandbox.baseUrl}/services/data/v62.0/limits`, sandbox.accessToken),
  };
}
