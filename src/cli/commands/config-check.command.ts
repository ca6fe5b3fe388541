import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { loadTenantsFile } from '../../config/tenants-file.ts';
import { runCommand } from '../run-command.ts';

/** `pipeline-health config check`: validate the environment and the tenants file, print a summary. */
export function registerConfigCheck(program: Command): void {
  program
    .command('config')
    .description('configuration commands')
    .command('check')
    .description('validate environment variables and the tenants file; lists every bad field')
    .option('-t, --tenants <file>', 'tenants file (YAML or JSON); default $TENANTS_FILE')
    .action((opts: { tenants?: string }) =>
      runCommand(async () => {
        const env = loadEnv();
        const file = opts.tenants ?? env.TENANTS_FILE;
        if (file === undefined) {
          process.stdout.write('Environment OK. No tenants file given (--tenants or TENANTS_FILE).\n');
          return 0;
        }
        const tenants = await loadTenantsFile(file);
        process.stdout.write(`Environment OK. ${tenants.length} tenant(s) in ${file}:\n`);
        for (const t of tenants) {
          const inc = t.schedule.incrementalEveryMinutes;
          process.stdout.write(
            `  ${t.id}  ${t.connection.crm}  tz=${t.timezone}  nightly="${t.schedule.nightly}"  incremental=${inc === 0 ? 'off' : `every ${inc} min`}\n`,
          );
        }
        return 0;
      }),
    );
}
