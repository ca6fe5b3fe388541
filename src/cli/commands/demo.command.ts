import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';
import { parseTenants } from '../../config/tenants-file.ts';
import { CrmKindSchema } from '../../domain/index.ts';
import { readWorldFile } from '../../import/world-file.ts';
import { type ForecastDocument, forecastSummary } from '../../scoring/index.ts';
import { startSandbox } from '../../sandbox/start-sandbox.ts';
import { AppError } from '../../shared/app-error.ts';
import { createLogger } from '../../shared/logger.ts';
import { resolveRedis } from '../../store/redis-connection.ts';
import { progressPrinter } from '../progress-printer.ts';
import { EXIT, runCommand } from '../run-command.ts';
import { collectRunReport, renderRunReport } from '../run-report.ts';
import { Runtime } from '../runtime.ts';

const NEXT_STEPS = `
Point it at your own CRM:
  1. Write a tenants file (README "Tenants file"): HubSpot private-app token or OAuth app;
     Salesforce connected app (JWT bearer or refresh token). Check it:
       npm run cli -- config check --tenants tenants.yaml
     and its CRM connection (writes nothing):
       npm run cli -- connect check --tenant <id> --tenants tenants.yaml
  2. Run one cycle now:     REDIS_URL=redis://localhost:6379 npm run cli -- run --tenant <id> --tenants tenants.yaml
  3. Keep it running:       REDIS_URL=redis://localhost:6379 npm run cli -- worker --tenants tenants.yaml
     (or docker compose up: Redis with AOF + the worker; nightly at 02:00 in each tenant's time zone)
  Salesforce, one time after the first run: assign the permission set with API name Pipeline_Health
     (label "Pipeline Health") to the integration user: Setup > Users > <user> > Permission Set
     Assignments, or: sf org assign permset --name Pipeline_Health --on-behalf-of <integration username>
     (or set connection.assignPermissionSet: true when that user has "Assign Permission Sets").`;

/**
 * `pipeline-health demo`: the newcomer's first command. Starts the embedded CRM sandbox with
 * realistic generated data and a throwaway Redis, runs a full cycle through the real queues and
 * workers, learns the win model from the generated history, runs an incremental cycle with it,
 * and prints what a sales leader wants to see.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the product on the embedded CRM sandbox with realistic data (no credentials needed)')
    .option('--crm <crm>', 'hubspot or salesforce', 'hubspot')
    .option('--deals <n>', 'deals in the generated CRM', '400')
    .option('--seed <n>', 'seed of the generated data', '42')
    .option('--json', 'print the summary as one JSON object')
    .option('--world <file>', 'run on a world file written by `import` (its CRM and qualification fields)')
    .action((opts: { crm: string; deals: string; seed: string; json?: boolean; world?: string }) =>
      runCommand(async () => {
        const env = loadEnv();
        const imported = opts.world ? await readWorldFile(opts.world) : null;
        const crm = CrmKindSchema.safeParse(imported?.crm ?? opts.crm);
        if (!crm.success)
          throw new AppError('CONFIG_INVALID', `--crm must be hubspot or salesforce (got "${opts.crm}")`);
        const deals = Number(opts.deals);
        const seed = Number(opts.seed);
        if (!Number.isInteger(deals) || deals < 10 || deals > 100_000) {
          throw new AppError(
            'CONFIG_INVALID',
            `--deals must be a whole number from 10 to 100000 (got "${opts.deals}")`,
          );
        }
        if (!Number.isInteger(seed) || seed < 0)
          throw new AppError('CONFIG_INVALID', `--seed must be a whole number (got "${opts.seed}")`);
        const say = (s = '') => {
          if (!opts.json) process.stdout.write(`${s}\n`);
        };
        const started = Date.now();
        const logger = createLogger({
          level: opts.json ? 'error' : 'warn',
          destination: process.stderr as never,
        });

        say(
          `pipeline-health demo: ${crm.data} sandbox with ${imported ? `${imported.world.deals.length} deals imported from ${imported.source}` : `${deals} generated deals (seed ${seed})`}, Node ${process.version}`,
        );
        const redis = await resolveRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
        const sandbox = await startSandbox({
          crm: crm.data,
          deals,
          seed,
          ...(imported ? { world: imported.world } : {}),
        });
        say(
          `  sandbox at ${sandbox.baseUrl}; Redis ${redis.throwaway ? 'throwaway redis-server' : redis.cluster ? 'Redis Cluster from REDIS_CLUSTER_NODES' : 'from REDIS_URL'}`,
        );
        const tenantId = 'demo';
        const [tenant] = parseTenants({
          tenants: [
            {
              id: tenantId,
              name: `Demo (${crm.data})`,
              connection:
                crm.data === 'hubspot'
                  ? {
                      crm: 'hubspot',
                      basePath: sandbox.baseUrl,
                      developmentTarget: true,
                      auth: { type: 'private_app', accessToken: sandbox.accessToken },
                    }
                  : {
                      crm: 'salesforce',
                      loginUrl: sandbox.baseUrl,
                      developmentTarget: true,
                      auth: { type: 'refresh_token', ...sandbox.oauth },
                      extraFields: imported?.extraFields ?? [],
                      // The demo org has no admin to assign the permission set: the integration user
                      // may, so bootstrap does it (the tenant option a real org can use too).
                      assignPermissionSet: true,
                    },
              ...(imported ? { scoring: { qualificationFields: imported.qualificationFields } } : {}),
            },
          ],
        });
        const runtime = new Runtime({
          redis,
          // A fresh namespace, so a demo against a shared REDIS_URL never touches real state.
          prefix: `demo-${randomBytes(3).toString('hex')}`,
          logger,
          tenants: [tenant!],
          concurrency: 2,
          // An imported world is judged as of its own date (the day after its last recorded event),
          // with the clock running on from there: never "in stage 1,800 days" on an old export.
          ...(imported
            ? {
                now: (() => {
                  const offset = Date.parse(imported.world.now) - Date.now();
                  return () => Date.now() + offset;
                })(),
              }
            : {}),
          ...(opts.json ? {} : { onProgress: progressPrinter(process.stdout) }),
        });
        try {
          await runtime.pool?.waitUntilReady();
          say('\n1. Full cycle (first sync of everything, scores on the survey-derived prior weights)');
          const first = await runtime.runCycle({ tenantId, trigger: 'demo' }, { timeoutMs: 20 * 60_000 });
          if (first.status !== 'completed') {
            throw new AppError(
              'INTERNAL',
              `The demo cycle failed at ${first.error?.step}: ${first.error?.message}`,
            );
          }
          say(`   ${first.apiCalls} API calls`);
          say('\n2. Learning the win model from the closed deals of the last 24 months');
          const training = await runtime.runTraining(tenantId, { timeoutMs: 10 * 60_000 });
          say(`   ${training.message}`);
          say(
            '\n3. Incremental cycle with the learned model (pulls only what changed, writes only changed values)',
          );
          const second = await runtime.runCycle({ tenantId, trigger: 'demo' }, { timeoutMs: 20 * 60_000 });
          const report = await collectRunReport(second, runtime.deps.store(tenantId), {
            crm: crm.data,
            apiCallsByEndpoint: sandbox.inspect.callsByEndpoint(),
          });
          const forecast = await runtime.deps.store(tenantId).documents.getJson<ForecastDocument>('forecast');
          const totals = {
            ...report,
            // Whole demo: both cycles and training.
            apiCalls: first.apiCalls + second.apiCalls,
            rateLimited: first.rateLimited + second.rateLimited,
            written: report.written + ((first.steps['write-back']?.written as number | undefined) ?? 0),
            alerts: report.alerts + ((first.steps.alert?.raised as number | undefined) ?? 0),
            durationMs: Date.now() - started,
            cycles: [
              { runId: first.runId, apiCalls: first.apiCalls, status: first.status },
              { runId: second.runId, apiCalls: second.apiCalls, status: second.status },
            ],
            model: {
              status: training.status,
              version: training.modelVersion,
              adopted: training.adoption.adopted,
              reason: training.adoption.reason,
              // Which learner (logistic or boosted trees) and why, with both candidates' figures.
              family: training.selection?.family ?? null,
              selection: training.selection?.reason ?? null,
              auc: training.validation?.auc.mean ?? null,
              priorScoreAuc: training.validation?.priorScoreAuc.mean ?? null,
              brier: training.validation?.brier.mean ?? null,
              won: training.counts.won,
              lost: training.counts.lost,
            },
            // The current quarter's total (docs/FORECAST.md); null if the score step stored none.
            forecast: forecast === null ? null : forecastSummary(forecast),
          };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(totals)}\n`);
          } else {
            say(`   ${second.apiCalls} API calls\n`);
            say(
              renderRunReport({
                ...report,
                apiCalls: totals.apiCalls,
                written: totals.written,
                alerts: totals.alerts,
                durationMs: totals.durationMs,
              }),
            );
            if (totals.forecast) {
              const f = totals.forecast;
              const money = (x: number) => Math.round(x).toLocaleString('en-US');
              say(
                `Forecast ${f.period.label} (total, docs/FORECAST.md): P10 ${money(f.p10)} / P50 ${money(f.p50)} / P90 ${money(f.p90)}` +
                  (f.target === null
                    ? ''
                    : `; target ${money(f.target)}, chance of reaching it ${Math.round((f.pReachTarget ?? 0) * 100)}%`),
              );
              say(
                f.intervalCoverage === null
                  ? '  backtest: not enough history to replay a past quarter'
                  : `  backtest: the P10-P90 range held the realised revenue in ${Math.round(f.intervalCoverage * 100)}% of past quarters (${forecast?.backtest.evaluated} replayed)`,
              );
            }
            say(NEXT_STEPS);
          }
          return second.status === 'completed' ? EXIT.ok : EXIT.failure;
        } finally {
          await runtime.close();
          await sandbox.close();
          await redis.close();
        }
      }),
    );
}
