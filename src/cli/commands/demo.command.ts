import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { resolveRedis } from '../../store/redis-connection.ts';
import { runCommand } from '../run-command.ts';

/**
 * `pipeline-health demo`: the newcomer's first command. Until the queue-driven pipeline lands
 * (issue 7) it checks the runtime pieces that exist and says plainly what is not built yet.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the product on the embedded CRM sandbox with realistic data (no credentials needed)')
    .option('--crm <crm>', 'hubspot or salesforce', 'hubspot')
    .action((opts: { crm: string }) =>
      runCommand(async () => {
        const env = loadEnv();
        const out = (line = '') => process.stdout.write(`${line}\n`);
        out(`pipeline-health demo (${opts.crm})`);
        out(`  Node ${process.version}`);
        const redis = await resolveRedis(env.REDIS_URL);
        const client = redis.createClient();
        const pong = await client.ping();
        client.disconnect();
        out(`  Redis: ${redis.throwaway ? 'private throwaway redis-server' : 'REDIS_URL'} answered ${pong}`);
        await redis.close();
        out();
        out('Not built yet: the CRM connectors (issues 4, 5) and the queue-driven pipeline (issue 7)');
        out('that runs a full cycle on the sandbox. This command will run that cycle once they land.');
        return 0;
      }),
    );
}
