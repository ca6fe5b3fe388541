import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { AppError } from '../../shared/app-error.ts';
import { CredentialCipher } from '../../store/credential-cipher.ts';
import { resolveRedis } from '../../store/redis-connection.ts';
import { TenantRegistryStore } from '../../store/tenant-registry.store.ts';
import { EXIT, runCommand } from '../run-command.ts';

/**
 * `pipeline-health keys rotate`: re-encrypt every API tenant's credentials (and webhook URL)
 * under PH_ENCRYPTION_KEY, reading them with it or with a key of PH_ENCRYPTION_KEY_PREVIOUS. The
 * admin service and workers accept both keys meanwhile; drop the previous key once this reports
 * no unreadable tenant. Prints JSON; exits 1 when a tenant decrypts under no key.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('encryption keys of stored tenant credentials');
  keys
    .command('rotate')
    .description(
      're-encrypt every stored tenant under PH_ENCRYPTION_KEY (old keys in PH_ENCRYPTION_KEY_PREVIOUS)',
    )
    .action(() =>
      runCommand(async () => {
        const env = loadEnv();
        if (env.PH_ENCRYPTION_KEY === undefined) {
          throw new AppError('CONFIG_INVALID', 'PH_ENCRYPTION_KEY (the new key) is not set');
        }
        if (env.REDIS_URL === undefined && env.REDIS_CLUSTER_NODES === undefined) {
          throw new AppError(
            'CONFIG_INVALID',
            'REDIS_URL (or REDIS_CLUSTER_NODES) is not set: keys rotate works on the shared Redis',
          );
        }
        const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
        const client = redis.createClient();
        try {
          const registry = new TenantRegistryStore({
            redis: client,
            prefix: env.PH_PREFIX,
            cipher: new CredentialCipher(env.PH_ENCRYPTION_KEY, env.PH_ENCRYPTION_KEY_PREVIOUS ?? []),
          });
          const report = await registry.rotate();
          process.stdout.write(
            `${JSON.stringify({ ...report, unreadable: report.unreadable.map((u) => u.id) }, null, 2)}\n`,
          );
          return report.unreadable.length === 0 ? EXIT.ok : EXIT.failure;
        } finally {
          client.disconnect();
          await redis.close();
        }
      }),
    );
}
