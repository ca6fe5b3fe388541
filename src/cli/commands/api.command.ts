import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { AdminClient, AdminClientError } from '../../admin/admin-client.ts';
import { loadEnv } from '../../config/env.ts';
import { AppError } from '../../shared/app-error.ts';
import { EXIT, runCommand } from '../run-command.ts';

/** `pipeline-health api ...`: the admin operations against a running admin server (its own module so it loads fast). */
interface ApiGlobals {
  url?: string;
  token?: string;
}

/** Run one API call and print its JSON answer; an API error prints its code and exits 1. */
function apiAction<A extends unknown[]>(
  call: (client: AdminClient, ...args: A) => Promise<unknown>,
): (...args: A) => Promise<void> {
  return (...args: A) =>
    runCommand(async () => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<ApiGlobals>();
      const env = loadEnv();
      const token = globals.token ?? process.env.ADMIN_TOKEN ?? env.ADMIN_TOKENS?.[0]?.token;
      if (token === undefined) {
        throw new AppError(
          'CONFIG_INVALID',
          'No admin token: set ADMIN_TOKEN (or ADMIN_TOKENS) or pass --token',
        );
      }
      const baseUrl = globals.url ?? process.env.ADMIN_URL ?? `http://${env.ADMIN_HOST}:${env.ADMIN_PORT}`;
      try {
        const answer = await call(new AdminClient({ baseUrl, token }), ...args);
        process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        return EXIT.ok;
      } catch (err) {
        if (!(err instanceof AdminClientError)) throw err;
        process.stderr.write(`pipeline-health: ${err.code}: ${err.message}\n`);
        return EXIT.failure;
      }
    });
}

/** Run ids are `<tenantId>.<stamp>.<random>` (cycle-launcher.ts). */
function tenantOfRun(runId: string): string {
  return runId.split('.')[0] ?? runId;
}

/** Poll a run until it completes or fails; a failed run is printed and exits 1. */
async function followRun(client: AdminClient, tenantId: string, runId: string): Promise<unknown> {
  for (;;) {
    const run = await client.run(tenantId, runId).catch((err: unknown) => {
      // Queued and not yet started: the run has no record for a moment.
      if (err instanceof AdminClientError && err.code === 'RUN_NOT_FOUND') return null;
      throw err;
    });
    if (run !== null && (run.status === 'completed' || run.status === 'failed')) {
      if (run.status === 'failed') {
        process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
        throw new AdminClientError(200, 'RUN_FAILED', `run ${runId} failed`, run);
      }
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The tenants of a YAML/JSON file: a tenants file (`tenants: [...]`) or one tenant object. */
async function readTenantBodies(path: string): Promise<unknown[]> {
  const content = parseYaml(await readFile(path, 'utf8')) as unknown;
  if (
    content !== null &&
    typeof content === 'object' &&
    Array.isArray((content as { tenants?: unknown }).tenants)
  ) {
    return (content as { tenants: unknown[] }).tenants;
  }
  return [content];
}

/**
 * `pipeline-health api ...`: the admin operations from the command line, against a running admin
 * server (`--url` or $ADMIN_URL, default http://$ADMIN_HOST:$ADMIN_PORT; token from $ADMIN_TOKEN or
 * the first of $ADMIN_TOKENS; `--token` works but shows in the process list).
 */
export function registerAdminApi(program: Command): void {
  const api = program
    .command('api')
    .description('call a running admin server: tenants, schedules, run now, status, explain, model report')
    .option('--url <url>', 'admin server URL; default $ADMIN_URL or http://$ADMIN_HOST:$ADMIN_PORT')
    .option('--token <token>', 'bearer token; default $ADMIN_TOKEN or the first of $ADMIN_TOKENS');
  api
    .command('tenants')
    .description('list tenants')
    .action(apiAction((c) => c.listTenants()));
  api
    .command('tenant <id>')
    .description('show one tenant')
    .action(apiAction((c, id: string) => c.getTenant(id)));
  api
    .command('create-tenant <file>')
    .description('create the tenant(s) of a YAML/JSON file (one tenant, or a tenants file)')
    .action(
      apiAction(async (c, file: string) => {
        const created = [];
        for (const body of await readTenantBodies(file)) created.push(await c.createTenant(body));
        return created;
      }),
    );
  api
    .command('delete-tenant <id>')
    .description('delete a tenant and its schedules')
    .option('--purge', 'also delete its state in Redis')
    .action(apiAction((c, id: string, opts: { purge?: boolean }) => c.deleteTenant(id, opts.purge ?? false)));
  api
    .command('schedule <id>')
    .description('show the schedule, or replace it when --nightly, --timezone and --every are given')
    .option('--nightly <cron>', 'nightly cron, in the tenant time zone')
    .option('--timezone <tz>', 'IANA time zone')
    .option('--every <minutes>', 'incremental sync interval in minutes (0: off)')
    .action(
      apiAction((c, id: string, opts: { nightly?: string; timezone?: string; every?: string }) => {
        if (opts.nightly === undefined && opts.timezone === undefined && opts.every === undefined) {
          return c.getSchedule(id);
        }
        // Missing or bad values are reported by the server, field by field.
        return c.setSchedule(id, {
          nightly: opts.nightly as string,
          timezone: opts.timezone as string,
          incrementalEveryMinutes: opts.every === undefined ? (undefined as never) : Number(opts.every),
        });
      }),
    );
  api
    .command('run <id>')
    .description('start a cycle now (202 with its run id, or the running run)')
    .option('--full', 'ignore the sync cursor')
    .option('--wait', 'follow the run to its end and print its summary (exit 1 when it failed)')
    .option('--idempotency-key <key>', 'send the same key on a retry to get the same run back')
    .action(
      apiAction(async (c, id: string, opts: { full?: boolean; wait?: boolean; idempotencyKey?: string }) => {
        // A random key by default: if this request is retried, it cannot start a second run.
        const started = await c.runNow(id, opts.full ?? false, opts.idempotencyKey ?? randomUUID());
        return opts.wait ? followRun(c, id, started.runId) : started;
      }),
    );
  api
    .command('run-status <runId>')
    .description('one run: its steps so far, or its summary when finished (the tenant is the run id prefix)')
    .action(apiAction((c, runId: string) => c.run(tenantOfRun(runId), runId)));
  api
    .command('status <id>')
    .description('last runs, API usage, quarantine')
    .action(apiAction((c, id: string) => c.status(id)));
  api
    .command('explain <id> <dealId>')
    .description("every indicator of a deal's score with its evidence")
    .action(apiAction((c, id: string, dealId: string) => c.explain(id, dealId)));
  api
    .command('model-report <id>')
    .description('model quality report of the last training')
    .action(apiAction((c, id: string) => c.modelReport(id)));
  api
    .command('train <id>')
    .description('queue a model training now')
    .action(apiAction((c, id: string) => c.train(id)));
  api
    .command('pause <id>')
    .description('pause a tenant: its schedules are removed and run-now is refused')
    .action(apiAction((c, id: string) => c.setPaused(id, true)));
  api
    .command('resume <id>')
    .description('resume a paused tenant')
    .action(apiAction((c, id: string) => c.setPaused(id, false)));
  api
    .command('audit')
    .description('the audit log: every change with token name, action, target, time and client address')
    .option('--limit <n>', 'newest entries to show (1-1000)', '100')
    .action(apiAction((c, opts: { limit: string }) => c.audit(Number(opts.limit))));
  api
    .command('report-link <id>')
    .description("a short-lived link to a tenant's report page (no admin token in it)")
    .option('--minutes <n>', 'how long the link works; default 60')
    .action(
      apiAction((c, id: string, opts: { minutes?: string }) =>
        c.reportLink(id, opts.minutes === undefined ? undefined : Number(opts.minutes)),
      ),
    );
}
