import type { Command } from 'commander';
import { CrmKindSchema } from '../../domain/index.ts';
import { readWorldFile } from '../../import/world-file.ts';
import { startSandbox } from '../../sandbox/start-sandbox.ts';
import { AppError } from '../../shared/app-error.ts';
import { runCommand } from '../run-command.ts';

function positiveInt(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AppError(
      'CONFIG_INVALID',
      `--${name} must be a whole number from ${min} to ${max} (got "${value}")`,
    );
  }
  return n;
}

/** `pipeline-health sandbox`: run the embedded CRM sandbox standalone and print how to use it. */
export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run the embedded HubSpot or Salesforce sandbox with generated data until stopped')
    .option('--crm <crm>', 'hubspot or salesforce', 'hubspot')
    .option('--deals <n>', 'deals in the generated world', '300')
    .option('--seed <n>', 'seed of the generated world', '42')
    .option('--port <n>', 'port on 127.0.0.1 (0 = a free one)', '0')
    .option('--world <file>', 'serve a world file written by `import` instead of generated data')
    .action((opts: { crm: string; deals: string; seed: string; port: string; world?: string }) =>
      runCommand(async () => {
        const crm = CrmKindSchema.safeParse(opts.crm);
        if (!crm.success)
          throw new AppError('CONFIG_INVALID', `--crm must be hubspot or salesforce (got "${opts.crm}")`);
        const imported = opts.world ? await readWorldFile(opts.world) : null;
        const sandbox = await startSandbox({
          ...(imported ? { world: imported.world } : {}),
          crm: crm.data,
          deals: positiveInt('deals', opts.deals, 1, 100_000),
          seed: positiveInt('seed', opts.seed, 0, 2 ** 31 - 1),
          port: positiveInt('port', opts.port, 0, 65_535),
        });
        const out = (s = '') => process.stdout.write(`${s}\n`);
        out(
          `${crm.data} sandbox listening at ${sandbox.baseUrl} (${sandbox.world.deals.length} deals, ${sandbox.world.activities.length} activities)`,
        );
        out(`  access token:  ${sandbox.accessToken}`);
        out(
          `  OAuth client:  ${sandbox.oauth.clientId} / ${sandbox.oauth.clientSecret}, refresh token ${sandbox.oauth.refreshToken}`,
        );
        out(`  inspect:       ${sandbox.baseUrl}/__sandbox/calls, /__sandbox/writes, /__sandbox/tokens`);
        if (crm.data === 'hubspot') {
          out(
            `  SDK:           new Client({ accessToken: '${sandbox.accessToken}', basePath: '${sandbox.baseUrl}' })`,
          );
        } else {
          out(
            `  jsforce:       new Connection({ instanceUrl: '${sandbox.baseUrl}', accessToken: '${sandbox.accessToken}', version: '62.0' })`,
          );
        }
        // A loopback sandbox is only accepted as a CRM host with developmentTarget: true (crm-hosts.ts).
        out(
          `  tenants file:  connection: { crm: ${crm.data}, ${crm.data === 'hubspot' ? 'basePath' : 'loginUrl'}: ${sandbox.baseUrl}, developmentTarget: true, auth: ... }`,
        );
        out('Press Ctrl+C to stop.');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await sandbox.close();
        return 0;
      }),
    );
}
