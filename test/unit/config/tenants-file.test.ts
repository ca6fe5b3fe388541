import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTenantsFile, parseTenants } from '../../../src/config/tenants-file.ts';
import { AppError } from '../../../src/shared/app-error.ts';

const fixture = new URL('../../fixtures/tenants.valid.yaml', import.meta.url).pathname;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    return (err as AppError).details.problems as string[];
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('tenants file', () => {
  it('loads a valid YAML file and applies defaults', async () => {
    const tenants = await loadTenantsFile(fixture);
    expect(tenants.map((t) => t.id)).toEqual(['acme-hubspot', 'globex-sf']);
    const [hub, sf] = tenants;
    expect(hub?.schedule).toEqual({ nightly: '0 2 * * *', incrementalEveryMinutes: 15 });
    // No override: bands are derived from the tenant's history (docs/SCORING.md).
    expect(hub?.scoring.bands).toBeUndefined();
    expect(hub?.connection.crm === 'hubspot' && hub.connection.basePath).toBe('https://api.hubapi.com');
    expect(sf?.connection.crm === 'salesforce' && sf.connection.dailyBudgetShare).toBe(0.5);
    expect(sf?.schedule.incrementalEveryMinutes).toBe(0);
    expect(sf?.scoring.weights).toEqual({ joint_planning: 2 });
  });

  it('reads JSON too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-cfg-'));
    const file = join(dir, 'tenants.json');
    writeFileSync(
      file,
      JSON.stringify({
        tenants: [
          {
            id: 'j',
            name: 'J',
            connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'x' } },
          },
        ],
      }),
    );
    expect((await loadTenantsFile(file))[0]?.id).toBe('j');
  });

  it('names every bad field in one error', () => {
    const problems = problemsOf(() =>
      parseTenants({
        tenants: [
          {
            id: 'Bad Id!',
            name: '',
            timezone: 'Mars/Olympus',
            schedule: { nightly: 'every night', incrementalEveryMinutes: -5 },
            connection: {
              crm: 'hubspot',
              auth: { type: 'oauth', clientId: 'c', clientSecret: '', refreshToken: 'r' },
            },
            scoring: { bands: { healthy: 30, watch: 60 } },
          },
          { id: 'ok', name: 'Ok', connection: { crm: 'pipedrive' } },
        ],
      }),
    );
    const joined = problems.join('\n');
    expect(joined).toContain('tenants[0].id: must be lowercase letters');
    expect(joined).toContain('tenants[0].name');
    expect(joined).toContain('tenants[0].timezone: must be an IANA time zone');
    expect(joined).toContain('tenants[0].schedule.nightly: must be a valid cron expression');
    expect(joined).toContain('tenants[0].schedule.incrementalEveryMinutes');
    expect(joined).toContain('tenants[0].connection.auth.clientSecret: must not be empty');
    expect(joined).toContain('tenants[0].scoring.bands.healthy: healthy must be greater than watch');
    expect(joined).toContain('tenants[1].connection.crm');
    expect(problems.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects duplicate tenant ids', () => {
    const tenant = {
      id: 'same',
      name: 'S',
      connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'x' } },
    };
    const problems = problemsOf(() => parseTenants({ tenants: [tenant, tenant] }));
    expect(problems).toEqual(['tenants[1].id: duplicate tenant id "same" (also tenants[0])']);
  });

  it('rejects a Salesforce JWT tenant without a PEM key and a bad API version', () => {
    const problems = problemsOf(() =>
      parseTenants({
        tenants: [
          {
            id: 'sf',
            name: 'SF',
            connection: {
              crm: 'salesforce',
              apiVersion: 'v62',
              auth: { type: 'jwt_bearer', clientId: 'c', username: 'u@x', privateKey: 'not a key' },
            },
          },
        ],
      }),
    );
    expect(problems.some((p) => p.startsWith('tenants[0].connection.apiVersion'))).toBe(true);
    expect(problems.some((p) => p.startsWith('tenants[0].connection.auth.privateKey: must be a PEM'))).toBe(
      true,
    );
  });

  it('reports unreadable and unparsable files as CONFIG_INVALID', async () => {
    await expect(loadTenantsFile('/nonexistent/tenants.yaml')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    const dir = mkdtempSync(join(tmpdir(), 'ph-cfg-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'tenants: [ { id: a, \n');
    await expect(loadTenantsFile(file)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('digest webhook config (issue 18 item 3, docs/DIGEST.md)', () => {
  const tenant = (digest: unknown) => ({
    id: 'acme',
    name: 'Acme',
    connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'pat-x' } },
    digest,
  });

  it('names each bad field: a plain-http URL off loopback, a secret given instead of a variable name', () => {
    const problems = problemsOf(() =>
      parseTenants(
        { tenants: [tenant({ webhookUrl: 'http://hooks.example.com/x', signingSecretEnv: 's3cr3t value' })] },
        'tenants.yaml',
        {},
      ),
    );
    expect(problems.some((p) => p.startsWith('tenants[0].digest.webhookUrl:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('tenants[0].digest.signingSecretEnv:'))).toBe(true);
    // The value that may be a secret is never echoed.
    expect(problems.join('\n')).not.toContain('s3cr3t');
  });

  it('requires the signing secret variable to be set, naming the field and the variable', () => {
    const file = {
      tenants: [
        tenant({ webhookUrl: 'https://hooks.slack.com/services/T/B/X', signingSecretEnv: 'PH_DIGEST_ACME' }),
      ],
    };
    const problems = problemsOf(() => parseTenants(file, 'tenants.yaml', {}));
    expect(problems).toEqual([
      'tenants[0].digest.signingSecretEnv: the environment variable PH_DIGEST_ACME is not set (it holds the signing secret)',
    ]);
    const [parsed] = parseTenants(file, 'tenants.yaml', { PH_DIGEST_ACME: 'x'.repeat(32) });
    expect(parsed?.digest).toMatchObject({
      owners: true,
      sendFrom: { weekday: 1, hour: 8 },
      retry: { attempts: 6 },
    });
  });
});
