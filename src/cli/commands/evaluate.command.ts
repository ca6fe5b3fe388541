import type { Command } from 'commander';
import { loadTrainingData } from '../../../jobs/train.job.ts';
import { loadEnv } from '../../config/env.ts';
import type { Tenant } from '../../domain/index.ts';
import {
  buildQualificationIndicators,
  type CrossValidationReport,
  crossValidate,
  outcomeOf,
} from '../../scoring/index.ts';
import { type EvaluationWarning, loadWorldRecords } from '../world-records.ts';
import { AppError } from '../../shared/app-error.ts';
import { resolveRedis } from '../../store/redis-connection.ts';
import { TenantStateStore } from '../../store/tenant-state.store.ts';
import { EXIT, runCommand } from '../run-command.ts';
import { loadConfiguredTenants } from '../tenant-source.ts';

export interface EvaluateOptions {
  folds: number;
  repeats: number;
  seed: number;
}

/** Cross-validates a tenant's calibration over its stored closed deals (read-only). */
export async function evaluateTenant(
  store: TenantStateStore,
  tenant: Tenant,
  options: EvaluateOptions,
): Promise<CrossValidationReport> {
  const { records, extraIndicators } = await loadTrainingData(store, tenant);
  return crossValidate(records, { ...options, extraIndicators });
}

const fmt = (m: { mean: number; std: number; min: number; max: number } | null) =>
  m === null
    ? 'n/a'
    : `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)} (min ${m.min.toFixed(3)}, max ${m.max.toFixed(3)})`;

export function renderEvaluation(
  report: CrossValidationReport,
  warnings: readonly EvaluationWarning[] = [],
): string {
  const lines = [...warnings.map((w) => `Warning: ${w.message}`), report.message];
  const c = report.counts;
  lines.push(
    `  closed deals: ${c.won} won, ${c.lost} lost (skipped: ${c.skipped.tooYoung} too young, ${c.skipped.closedBeforeCutoff} closed before the cut-off, ${c.skipped.noCloseTime} without a close time)`,
  );
  if (report.status !== 'evaluated') return lines.join('\n');
  if (report.selection) lines.push(`  learner: ${report.selection.reason}`);
  lines.push(`  AUC          ${fmt(report.auc)}`);
  lines.push(`  prior AUC    ${fmt(report.priorScoreAuc)}`);
  lines.push(`  Brier        ${fmt(report.brier)}`);
  lines.push(`  base-rate Brier ${fmt(report.baseRateBrier)}`);
  lines.push(`  adopted: ${report.adopted ? 'yes' : 'no'}: ${report.reason}`);
  lines.push('  calibration (out-of-fold, by decile): predicted -> observed (count)');
  for (const b of report.calibration) {
    lines.push(
      `    ${String(b.decile).padStart(2)}  ${b.meanPredicted.toFixed(3)} -> ${b.observedRate.toFixed(3)} (${b.count})`,
    );
  }
  lines.push(
    '  indicator effects (logistic candidate): coefficient, over folds mean ± sd, share of deals with data',
  );
  for (const i of report.indicators) {
    lines.push(
      `    ${i.key.padEnd(30)} ${i.coefficient.toFixed(3).padStart(7)}  ${i.folds.mean.toFixed(3)} ± ${i.folds.std.toFixed(3)}  ${Math.round(i.coverage * 100)}%`,
    );
  }
  return lines.join('\n');
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new AppError(
      'CONFIG_INVALID',
      `--${name} must be a whole number from ${min} to ${max} (got "${raw}")`,
    );
  return n;
}

/**
 * Cross-validates an import (`--world`: a world file, or a CSV export with its mapping) directly:
 * no Redis, no tenant. Qualification fields come from the import; the same adoption rule applies.
 */
export async function evaluateWorld(
  path: string,
  mappingPath: string | undefined,
  options: EvaluateOptions,
  load: { allowMissingCloseDates?: boolean } = {},
): Promise<{ report: CrossValidationReport; warnings: EvaluationWarning[] }> {
  const { records, qualificationFields, warnings } = await loadWorldRecords(path, mappingPath, load);
  const extraIndicators = buildQualificationIndicators(
    qualificationFields,
    records.map((r) => ({ dealId: r.deal.id, fields: r.deal.fields, outcome: outcomeOf(r) })),
  );
  return { report: crossValidate(records, { ...options, extraIndicators }), warnings };
}

/** `pipeline-health evaluate --tenant T | --world FILE`: repeated stratified k-fold cross-validation, read-only. */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      "cross-validate the win model on the tenant's stored closed deals, or on an import (--world), changing nothing",
    )
    .option('--tenant <id>', 'tenant id from the tenants file')
    .option('--world <file>', 'a world file from `import`, or a CSV export (no Redis, no tenant needed)')
    .option('--mapping <file>', 'column mapping for a CSV --world (YAML or JSON)')
    .option('-t, --tenants <file>', 'tenants file (YAML or JSON); default $TENANTS_FILE')
    .option('--folds <k>', 'folds per repeat', '5')
    .option('--repeats <r>', 'repeats with fresh shuffles', '3')
    .option('--seed <s>', 'seed of the shuffles', '1')
    .option(
      '--allow-missing-close-dates',
      'CSV --world: evaluate closed deals without a close date, with time-based checks off (a warning says so)',
    )
    .option('--json', 'print the report as one JSON object (with "warnings")')
    .action(
      (opts: {
        tenant?: string;
        world?: string;
        mapping?: string;
        tenants?: string;
        folds: string;
        repeats: string;
        seed: string;
        allowMissingCloseDates?: boolean;
        json?: boolean;
      }) =>
        runCommand(async () => {
          const options = {
            folds: wholeNumber('folds', opts.folds, 2, 50),
            repeats: wholeNumber('repeats', opts.repeats, 1, 100),
            seed: wholeNumber('seed', opts.seed, 0, 2 ** 31 - 1),
          };
          const print = (report: CrossValidationReport, warnings: EvaluationWarning[] = []) => {
            process.stdout.write(
              opts.json
                ? `${JSON.stringify({ ...report, warnings })}\n`
                : `${renderEvaluation(report, warnings)}\n`,
            );
            return report.status === 'evaluated' ? EXIT.ok : EXIT.failure;
          };
          if (opts.world) {
            if (opts.tenant)
              throw new AppError('CONFIG_INVALID', 'Give either --tenant or --world, not both');
            const { report, warnings } = await evaluateWorld(opts.world, opts.mapping, options, {
              allowMissingCloseDates: opts.allowMissingCloseDates === true,
            });
            return print(report, warnings);
          }
          if (opts.allowMissingCloseDates)
            throw new AppError(
              'CONFIG_INVALID',
              '--allow-missing-close-dates applies to a CSV export given with --world, not to --tenant',
            );
          if (!opts.tenant) throw new AppError('CONFIG_INVALID', 'Give --tenant <id> or --world <file>');
          const env = loadEnv();
          const tenants = await loadConfiguredTenants(env, opts.tenants);
          const tenant = tenants.find((t) => t.id === opts.tenant);
          if (!tenant) throw new AppError('TENANT_NOT_FOUND', `Tenant "${opts.tenant}" is not configured`);
          const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
          const client = redis.createClient();
          try {
            const store = new TenantStateStore(client, env.PH_PREFIX, tenant.id);
            return print(await evaluateTenant(store, tenant, options));
          } finally {
            client.disconnect();
            await redis.close();
          }
        }),
    );
}
