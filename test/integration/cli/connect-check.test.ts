// `pipeline-health connect check` run as the real CLI against the HubSpot sandbox: the good case and
// each bad one. What the sandbox answers follows HubSpot's docs (see the sandbox tests it relies
// on: hubspot-scopes, hubspot-owners, hubspot-account-limits).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { createSalesforceConnector } from '../../../connectors/salesforce/salesforce.connector.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import { OWNER_ID_OFFSET } from '../../../src/sandbox/hubspot/hubspot-object-types.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
let sandbox: HubSpotSandboxHandle | null = null;

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  code?: string;
  hint?: string;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A sandbox whose owner 3 is deactivated; properties bootstrapped unless `bare`. */
async function start(bare = false): Promise<HubSpotSandboxHandle> {
  const world = generateWorld({ seed: 99, deals: 20, now: '2026-11-27T00:00:00.000Z' });
  world.owners[2]!.active = false;
  sandbox = await startHubSpotSandbox({
    world,
    timeZone: 'America/Chicago',
    rateLimits: { tenSecondly: null, daily: 1_000, searchPerSecond: null },
  });
  if (!bare) {
    await createHubSpotConnector({
      connection: {
        crm: 'hubspot',
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
        basePath: sandbox.baseUrl,
        developmentTarget: true,
      },
      logger: createLogger({ level: 'silent' }),
    }).bootstrapSchema();
  }
  return sandbox;
}

function tenantsFile(
  sb: HubSpotSandboxHandle,
  auth: 'private_app' | 'oauth',
  fallbackOwnerN?: number,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'ph-connect-'));
  const file = join(dir, 'tenants.json');
  const authBlock =
    auth === 'oauth' ? { type: 'oauth', ...sb.oauth } : { type: 'private_app', accessToken: sb.accessToken };
  writeFileSync(
    file,
    JSON.stringify({
      tenants: [
        {
          id: 'acme',
          name: 'Acme',
          timezone: 'America/Chicago',
          connection: { crm: 'hubspot', auth: authBlock, basePath: sb.baseUrl, developmentTarget: true },
          ...(fallbackOwnerN === undefined
            ? {}
            : { alerts: { fallbackOwnerId: String(OWNER_ID_OFFSET + fallbackOwnerN) } }),
        },
      ],
    }),
  );
  return file;
}

async function checkJson(
  file: string,
): Promise<{ code: number; report: { tenant: string; crm: string; ok: boolean; checks: Check[] } }> {
  const r = await cli(['connect', 'check', '--tenant', 'acme', '--tenants', file, '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe('pipeline-health connect check (HubSpot sandbox)', () => {
  it('good case: every check ok, exit 0, one line per check; nothing written', async () => {
    const sb = await start();
    const file = tenantsFile(sb, 'private_app', 2);
    const writesBefore = sb.inspect.writes().length;
    const callsBefore = sb.inspect.calls().length;
    const r = await cli(['connect', 'check', '--tenant', 'acme', '--tenants', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => /^(ok|FAIL)\b/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(12);
    expect(lines.every((l) => l.startsWith('ok'))).toBe(true);
    const { code, report } = await checkJson(file);
    expect(code).toBe(0);
    expect(report).toMatchObject({ tenant: 'acme', crm: 'hubspot', ok: true });
    const names = report.checks.map((c) => c.name);
    for (const n of [
      'authentication',
      'scopes',
      'api_version',
      'daily_allocation',
      'property:ph_score',
      'property:ph_alert_key',
      'fallback_owner',
    ])
      expect(names).toContain(n);
    expect(byName(report.checks, 'authentication')!.detail).toContain('America/Chicago');
    expect(byName(report.checks, 'daily_allocation')!.detail).toMatch(
      /of 1000 calls left today; resets at .*America\/Chicago/,
    );
    expect(sb.inspect.writes().length).toBe(writesBefore);
    expect(
      sb.inspect
        .calls()
        .slice(callsBefore)
        .every((c) => c.method === 'GET' || c.endpoint.endsWith('/batch/read')),
    ).toBe(true);
  });

  it('OAuth good case: scopes from token metadata, no daily limit', async () => {
    const sb = await start();
    const { code, report } = await checkJson(tenantsFile(sb, 'oauth', 2));
    expect(code).toBe(0);
    expect(byName(report.checks, 'scopes')!.detail).toContain('token metadata');
    expect(byName(report.checks, 'daily_allocation')!.detail).toContain('no daily limit');
  });

  it('revoked private-app token: authentication FAIL CRM_AUTH, exit 2', async () => {
    const sb = await start();
    sb.revokePrivateAppToken();
    const { code, report } = await checkJson(tenantsFile(sb, 'private_app'));
    expect(code).toBe(2);
    expect(report.ok).toBe(false);
    expect(byName(report.checks, 'authentication')).toMatchObject({ ok: false, code: 'CRM_AUTH' });
    expect(byName(report.checks, 'authentication')!.hint).toContain('Private Apps');
  });

  it('expired and revoked OAuth tokens: authentication FAIL CRM_AUTH, exit 2', async () => {
    const sb = await start();
    sb.revokeRefreshTokens();
    sb.expireAllTokens();
    const { code, report } = await checkJson(tenantsFile(sb, 'oauth'));
    expect(code).toBe(2);
    expect(byName(report.checks, 'authentication')).toMatchObject({ ok: false, code: 'CRM_AUTH' });
  });

  it('missing scope: scopes FAIL naming it, for OAuth (metadata) and private apps (probing)', async () => {
    const sb = await start();
    sb.setScopes([
      'oauth',
      'crm.objects.deals.read',
      'crm.objects.deals.write',
      'crm.objects.contacts.read',
      'crm.objects.companies.read',
      'crm.objects.goals.read',
      'crm.schemas.deals.read',
      'crm.schemas.deals.write',
    ]);
    for (const auth of ['oauth', 'private_app'] as const) {
      const { code, report } = await checkJson(tenantsFile(sb, auth));
      expect(code, auth).toBe(2);
      const scopes = byName(report.checks, 'scopes')!;
      expect(scopes, auth).toMatchObject({ ok: false, code: 'CRM_PERMISSION' });
      expect(scopes.detail).toContain('crm.objects.owners.read');
      expect(scopes.hint).toContain('crm.objects.owners.read');
    }
  });

  it('health properties missing: each property FAIL with the bootstrap hint', async () => {
    const sb = await start(true);
    const { code, report } = await checkJson(tenantsFile(sb, 'private_app'));
    expect(code).toBe(2);
    const props = report.checks.filter((c) => c.name.startsWith('property:'));
    // The seven health properties, the seven element properties (issue 18 item 2) and ph_alert_key.
    expect(props.length).toBe(15);
    expect(
      props.every((c) => !c.ok && c.code === 'CONFIG_INVALID' && c.hint!.includes('pipeline-health run')),
    ).toBe(true);
    expect(byName(report.checks, 'authentication')!.ok).toBe(true);
  });

  it('deactivated fallback owner: fallback_owner FAIL, exit 2; unknown owner too', async () => {
    const sb = await start();
    let { code, report } = await checkJson(tenantsFile(sb, 'private_app', 3));
    expect(code).toBe(2);
    expect(byName(report.checks, 'fallback_owner')).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
    expect(byName(report.checks, 'fallback_owner')!.detail).toContain('deactivated');
    ({ code, report } = await checkJson(tenantsFile(sb, 'private_app', 77)));
    expect(code).toBe(2);
    expect(byName(report.checks, 'fallback_owner')!.detail).toContain('does not exist');
  });

  it('an unknown tenant is a clear TENANT_NOT_FOUND, exit 2', async () => {
    const sb = await start();
    const r = await cli([
      'connect',
      'check',
      '--tenant',
      'nobody',
      '--tenants',
      tenantsFile(sb, 'private_app'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TENANT_NOT_FOUND');
  });
});

// The same command on the Salesforce sandbox (connector checks: salesforce-connection-check.test.ts):
// the CLI reaches the Salesforce connector's checks and fails on a fresh org until the permission
// set exists and is assigned (Salesforce Help: "Assign Permission Sets").
describe('pipeline-health connect check (Salesforce sandbox)', () => {
  let sf: SalesforceSandboxHandle | null = null;
  afterEach(async () => {
    await sf?.close();
    sf = null;
  });

  function sfTenantsFile(s: SalesforceSandboxHandle): string {
    const file = join(mkdtempSync(join(tmpdir(), 'ph-connect-sf-')), 'tenants.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [
          {
            id: 'acme',
            name: 'Acme',
            connection: {
              crm: 'salesforce',
              loginUrl: s.baseUrl,
              developmentTarget: true,
              auth: { type: 'refresh_token', ...s.oauth },
            },
          },
        ],
      }),
    );
    return file;
  }

  it('a fresh org fails on permissions and fields (exit 2); after the bootstrap with assignment every check passes', async () => {
    sf = await startSalesforceSandbox({ world: generateWorld({ seed: 98, deals: 20 }) });
    const file = sfTenantsFile(sf);
    const fresh = await checkJson(file);
    expect(fresh.code).toBe(2);
    expect(fresh.report.crm).toBe('salesforce');
    expect(byName(fresh.report.checks, 'authentication')?.ok).toBe(true);
    expect(byName(fresh.report.checks, 'permissions')).toMatchObject({ ok: false });
    expect(fresh.report.checks.some((c) => c.name.startsWith('field:') && !c.ok)).toBe(true);

    await createSalesforceConnector({
      connection: {
        crm: 'salesforce',
        loginUrl: sf.baseUrl,
        developmentTarget: true,
        auth: { type: 'refresh_token', ...sf.oauth },
      },
      logger: createLogger({ level: 'silent' }),
      assignPermissionSet: true,
    }).bootstrapSchema();
    const ready = await checkJson(file);
    expect(ready.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(ready.code).toBe(0);
  });
});
