import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { AdminClient, AdminClientError } from '../../admin/admin-client.ts';
import { loadEnv } from '../../config/env.ts';
import { AppError } from '../../shared/app-error.ts';
import { EXIT, runCommand } from '../run-command.ts';

// Apart from the admin server (admin.command.ts): a client call loads no server, queue or CRM code.

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
      const token = globals.token ?? process.env.ADMIN_TOKEN ?? env.ADMIN_TOKENS?.[0];
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
    .action(apiAction((c, id: string, opts: { full?: boolean }) => c.runNow(id, opts.full ?? false)));
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
}
