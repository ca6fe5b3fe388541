import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/tenants.valid.yaml');

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pipeline-health config check', () => {
  it('summarises a valid tenants file and exits 0', async () => {
    const r = await cli(['config', 'check', '--tenants', FIXTURE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 tenant(s)');
    expect(r.stdout).toContain('globex-sf  salesforce');
  });

  it('exits 2 with one message naming every bad field, and no secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ph-cli-'));
    const file = join(dir, 'tenants.yaml');
    writeFileSync(
      file,
      [
        'tenants:',
        '  - id: Bad_ID',
        '    name: x',
        '    timezone: Nowhere/Land',
        '    connection: { crm: hubspot, auth: { type: oauth, clientId: c, clientSecret: TOPSECRET123, refreshToken: "" } }',
      ].join('\n'),
    );
    const r = await cli(['config', 'check', '--tenants', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stderr).toContain('tenants[0].id');
    expect(r.stderr).toContain('tenants[0].timezone');
    expect(r.stderr).toContain('tenants[0].connection.auth.refreshToken');
    expect(r.stderr).not.toContain('TOPSECRET123');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('rejects a bad environment before reading anything', async () => {
    const r = await cli(['config', 'check'], { REDIS_URL: 'http://not-redis', LOG_LEVEL: 'chatty' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('REDIS_URL');
    expect(r.stderr).toContain('LOG_LEVEL');
  });

  it('lists only commands that work', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo');
    expect(r.stdout).toContain('config');
  });
});
