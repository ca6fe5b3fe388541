import type { Command } from 'commander';
import type { TrainingReport } from '../../../jobs/train.job.ts';
import { loadEnv } from '../../config/env.ts';
import { AppError } from '../../shared/app-error.ts';
import { createLogger } from '../../shared/logger.ts';
import { resolveRedis } from '../../store/redis-connection.ts';
import { EXIT, runCommand } from '../run-command.ts';
import { Runtime } from '../runtime.ts';
import { loadConfiguredTenants } from '../tenant-source.ts';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The training report as a sales-ops reader wants it: status, quality, then each field's effect. */
export function renderTrainingReport(report: TrainingReport): string {
  const lines = [`Model ${report.modelVersion}: ${report.message}`];
  const c = report.counts;
  lines.push(
    `  closed deals: ${c.won} won, ${c.lost} lost (skipped: ${c.skipped.tooYoung} too young, ${c.skipped.closedBeforeCutoff} closed before the cut-off, ${c.skipped.noCloseTime} without a close time)`,
  );
  const v = report.validation;
  if (v) {
    lines.push(
      `  cross-validated (${v.repeats} x ${v.folds} folds): AUC ${v.auc.mean} ± ${v.auc.sd} (prior score ${v.priorScoreAuc.mean}), Brier ${v.brier.mean} ± ${v.brier.sd}`,
    );
  }
  if (report.selection) lines.push(`  learner: ${report.selection.reason}`);
  lines.push(`  adopted: ${report.adoption.adopted ? 'yes' : 'no'} (${report.adoption.code})`);
  lines.push(
    `  bands: healthy >= ${report.bands.healthy}, watch >= ${report.bands.watch} (${report.bands.basis})`,
  );
  if (report.coefficients) {
    lines.push(
      `  coefficients${report.selection?.family === 'trees' ? ' (logistic candidate, not served)' : ''}:`,
    );
    for (const [k, v] of Object.entries(report.coefficients))
      lines.push(`    ${k.padEnd(30)} ${v.toFixed(3)}`);
  }
  for (const f of report.qualificationFields ?? []) {
    const of = report.selection?.family === 'trees' ? ' in the logistic candidate' : '';
    const coef = f.coefficient === null ? '' : `, coefficient${of} ${f.coefficient.toFixed(3)}`;
    lines.push(`  ${f.label} (${f.field}, ${f.kind}${coef}):`);
    for (const l of f.levels) {
      if (l.won + l.lost === 0) continue;
      lines.push(
        `    ${l.level.padEnd(24)} won ${pct(l.winRate ?? 0).padStart(4)} of ${l.won + l.lost} closed deals`,
      );
    }
  }
  return lines.join('\n');
}

/** `pipeline-health train --tenant T`: fit the tenant's win model now and print its quality report. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description("fit the tenant's win model from its stored closed deals and print the quality report")
    .requiredOption('--tenant <id>', 'tenant id from the tenants file')
    .option('-t, --tenants <file>', 'tenants file (YAML or JSON); default $TENANTS_FILE')
    .option('--json', 'print the report as one JSON object')
    .action((opts: { tenant: string; tenants?: string; json?: boolean }) =>
      runCommand(async () => {
        const env = loadEnv();
        const tenants = await loadConfiguredTenants(env, opts.tenants);
        if (!tenants.some((t) => t.id === opts.tenant))
          throw new AppError('TENANT_NOT_FOUND', `Tenant "${opts.tenant}" is not configured`);
        const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
        const logger = createLogger({ level: 'warn', destination: process.stderr as never });
        const runtime = new Runtime({ redis, prefix: env.PH_PREFIX, logger, tenants, concurrency: 1 });
        try {
          const report = (await runtime.runTraining(opts.tenant)) as TrainingReport;
          process.stdout.write(
            opts.json ? `${JSON.stringify(report)}\n` : `${renderTrainingReport(report)}\n`,
          );
          return EXIT.ok;
        } finally {
          await runtime.close();
          await redis.close();
        }
      }),
    );
}
