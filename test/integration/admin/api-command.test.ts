import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { type AdminFixture, adminFixture, TOKEN } from './admin-fixture.ts';

const run = promisify(execFile);
const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
/** Each CLI call starts a Node process (several seconds on a loaded 2-core machine). */
const CLI_TIMEOUT = 300_000;

describe('pipeline-health api (the admin operations from the CLI)', () => {
  let redis: RedisEndpoint;
  let fx: AdminFixture;
  let url: string;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    fx = await adminFixture(redis, { deps: { now: () => Date.parse('2026-01-05T12:00:00Z') } });
    url = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await fx?.close();
    await redis?.close();
  });

  async function cli(args: string[], token = TOKEN) {
    try {
      const { stdout, stderr } = await run(process.execPath, [MAIN, 'api', ...args], {
        env: { PATH: process.env.PATH ?? '', ADMIN_URL: url, ADMIN_TOKEN: token },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it(
    'creates a tenant from a file, lists it, sets its schedule, runs it and reads its status',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ph-api-'));
      const file = join(dir, 'tenant.yaml');
      writeFileSync(
        file,
        [
          'id: acme',
          'name: Acme',
          'connection:',
          '  crm: hubspot',
          '  auth: { type: private_app, accessToken: pat-cli-secret-123 }',
          'schedule: { nightly: "0 2 * * *", incrementalEveryMinutes: 0 }',
        ].join('\n'),
      );
      const created = await cli(['create-tenant', file]);
      expect(created.code).toBe(0);
      expect(created.stdout).not.toContain('pat-cli-secret-123');
      expect(JSON.parse(created.stdout)[0]).toMatchObject({ id: 'acme', source: 'api' });

      const list = await cli(['tenants']);
      expect(JSON.parse(list.stdout).tenants.map((t: { id: string }) => t.id)).toEqual(['acme']);

      const schedule = await cli([
        'schedule',
        'acme',
        '--nightly',
        '0 4 * * *',
        '--timezone',
        'UTC',
        '--every',
        '0',
      ]);
      expect(schedule.code).toBe(0);
      expect(JSON.parse(schedule.stdout).nextRuns[0]).toBe('2026-01-06T04:00:00.000Z');

      const started = await cli(['run', 'acme']);
      expect(started.code).toBe(0);
      const runId = JSON.parse(started.stdout).runId as string;
      const again = await cli(['run', 'acme']);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('RUN_IN_PROGRESS');

      const status = await cli(['status', 'acme']);
      expect(JSON.parse(status.stdout).running.runId).toBe(runId);
    },
    CLI_TIMEOUT,
  );

  it(
    '`api run --wait` follows a run to its end; `api run-status RUN` shows it (issue 17 item 8)',
    async () => {
      await fx.store('acme').runs.releaseCycleLock((await fx.store('acme').runs.cycleLockHolder()) ?? '');
      const waiting = cli(['run', 'acme', '--wait']);
      // The run is started by the CLI; finish it as a worker would (the fixture's runs are stand-ins).
      let runId: string | null = null;
      for (let i = 0; i < 600 && runId === null; i++) {
        runId = await fx.store('acme').runs.cycleLockHolder();
        if (runId === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(runId).not.toBeNull();
      const status = await cli(['run-status', runId!]);
      expect(JSON.parse(status.stdout).runId).toBe(runId);
      await fx.store('acme').runs.recordRun({ runId, status: 'completed', trigger: 'manual', steps: {} });
      await fx.store('acme').runs.releaseCycleLock(runId!);
      const done = await waiting;
      expect(done.code).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ runId, status: 'completed' });
    },
    CLI_TIMEOUT,
  );

  it(
    'prints the error code and every bad field, and exits 1',
    async () => {
      const bad = await cli(['schedule', 'acme', '--nightly', 'nope', '--timezone', 'UTC']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('VALIDATION_FAILED');
      expect(bad.stderr).toContain('nightly: must be a valid cron expression');
      expect(bad.stderr).toContain('incrementalEveryMinutes: is required');
      const denied = await cli(['tenants'], 'wrong-token-0123456789abcdefgh');
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('UNAUTHORIZED');
      const missing = await cli(['explain', 'acme', 'no-deal']);
      expect(missing.stderr).toContain('DEAL_NOT_FOUND');
      // The changes made above are in the audit log, by token name (issue 17 item 4).
      const audit = await cli(['audit', '--limit', '50']);
      expect(audit.code).toBe(0);
      const actions = JSON.parse(audit.stdout).entries.map(
        (e: { action: string; token: string }) => `${e.token} ${e.action}`,
      );
      expect(actions).toContain('token-1 POST /tenants');
    },
    CLI_TIMEOUT,
  );
});
