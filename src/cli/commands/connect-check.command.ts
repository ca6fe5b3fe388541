import type { Command } from 'commander';
import type { ConnectionCheck } from '../../../connectors/crm-connector.ts';
import { loadEnv } from '../../config/env.ts';
import { createLogger } from '../../shared/logger.ts';
import { redactString } from '../../shared/redact.ts';
import { connectorCache } from '../connector-factory.ts';
import { EXIT, runCommand } from '../run-command.ts';
import { loadConfiguredTenants } from '../tenant-source.ts';

/** What `connect check --json` prints: one object. */
export interface ConnectCheckReport {
  tenant: string;
  crm: string;
  ok: boolean;
  checks: ConnectionCheck[];
}

function line(c: ConnectionCheck): string {
  const parts = [c.ok ? 'ok  ' : 'FAIL', c.name, '-', c.detail];
  if (!c.ok && c.code) parts.push(`[${c.code}]`);
  let out = parts.join(' ');
  if (!c.ok && c.hint) out += `\n       hint: ${c.hint}`;
  return redactString(out);
}

/**
 * `pipeline-health connect check --tenant T`: contact the tenant's CRM with its credentials, write
 * nothing, and report each check. Exit 0 when all pass, 2 when any fails (or the tenant is unknown).
 */
export function registerConnectCheck(program: Command): void {
  program
    .command('connect')
    .description('CRM connection commands')
    .command('check')
    .description(
      "check a tenant's CRM connection (credentials, scopes, API, quota, fields, fallback owner); writes nothing",
    )
    .requiredOption('--tenant <id>', 'tenant id')
    .option('-t, --tenants <file>', 'tenants file (YAML or JSON); default $TENANTS_FILE')
    .option('--json', 'print one JSON object { tenant, crm, ok, checks }')
    .action((opts: { tenant: string; tenants?: string; json?: boolean }) =>
      runCommand(async () => {
        const tenants = await loadConfiguredTenants(loadEnv(), opts.tenants);
        const tenant = tenants.find((t) => t.id === opts.tenant);
        if (tenant === undefined) {
          process.stderr.write(
            `pipeline-health: TENANT_NOT_FOUND: tenant "${opts.tenant}" is not in the tenants file (${tenants.map((t) => t.id).join(', ') || 'none'})\n`,
          );
          return EXIT.config;
        }
        const connector = connectorCache(createLogger({ level: 'silent' }))(tenant);
        const checks: ConnectionCheck[] = connector.checkConnection
          ? await connector.checkConnection()
          : [
              {
                name: 'connection_check',
                ok: false,
                detail: `the ${tenant.connection.crm} connector does not support connection checks yet`,
                code: 'CONFIG_INVALID',
                hint: 'Use `pipeline-health run --tenant <id>` and read its errors instead.',
              },
            ];
        const ok = checks.every((c) => c.ok);
        if (opts.json) {
          const report: ConnectCheckReport = { tenant: tenant.id, crm: tenant.connection.crm, ok, checks };
          process.stdout.write(`${redactString(JSON.stringify(report))}\n`);
        } else {
          process.stdout.write(
            `${tenant.id} (${tenant.connection.crm}): ${ok ? 'all checks passed' : 'some checks failed'}\n`,
          );
          for (const c of checks) process.stdout.write(`${line(c)}\n`);
        }
        return ok ? EXIT.ok : EXIT.config;
      }),
    );
}
