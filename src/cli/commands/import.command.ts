import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CrmKindSchema } from '../../domain/index.ts';
import { describeDateOrder } from '../../import/date-order.ts';
import { importExportFile } from '../../import/export-importer.ts';
import { ImportMappingSchema } from '../../import/import-mapping.ts';
import { tenantFieldsFor, writeWorldFile } from '../../import/world-file.ts';
import { AppError } from '../../shared/app-error.ts';
import { EXIT, runCommand } from '../run-command.ts';

/**
 * `pipeline-health import --crm C FILE.csv`: reads a CRM export (deals / opportunities with an
 * outcome and qualification columns) into a world file the sandbox serves as that CRM's records.
 */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load a CRM export (CSV) into a sandbox world file, for demo/sandbox --world')
    .argument('<file>', 'the export, comma-, semicolon- or tab-separated')
    .requiredOption('--crm <crm>', 'hubspot or salesforce: which CRM the sandbox should serve it as')
    .option(
      '--activities <file>',
      'an activity export (emails, calls, meetings, notes, tasks) linked to the deals',
    )
    .option('--mapping <file>', 'column mapping (YAML or JSON); default: usual export headers')
    .option('-o, --out <file>', 'world file to write; default <file>.world.json')
    .option('--json', 'print the summary (with every rejected row) as one JSON object')
    .action(
      (
        file: string,
        opts: { crm: string; activities?: string; mapping?: string; out?: string; json?: boolean },
      ) =>
        runCommand(async () => {
          const crm = CrmKindSchema.safeParse(opts.crm);
          if (!crm.success)
            throw new AppError('CONFIG_INVALID', `--crm must be hubspot or salesforce (got "${opts.crm}")`);
          let mapping = ImportMappingSchema.parse({});
          if (opts.mapping) {
            const parsed = ImportMappingSchema.safeParse(parseYaml(await readFile(opts.mapping, 'utf8')));
            if (!parsed.success) {
              const i = parsed.error.issues[0];
              throw new AppError('CONFIG_INVALID', `${opts.mapping}: ${i?.path.join('.')}: ${i?.message}`);
            }
            mapping = parsed.data;
          }
          const result = await importExportFile(file, {
            mapping,
            ...(opts.activities ? { activities: opts.activities } : {}),
          });
          const out = opts.out ?? `${file.replace(/\.(csv|tsv|txt)$/i, '')}.world.json`;
          const names = tenantFieldsFor(crm.data, result.fields);
          // Every row rejected: no (empty) world file, the summary says why (issue 15).
          if (result.imported > 0) {
            await writeWorldFile(out, {
              format: 'pipeline-health-world-v1',
              crm: crm.data,
              source: file,
              ...names,
              world: result.world,
            });
          }
          const summary = {
            out: result.imported > 0 ? out : null,
            rows: result.rows,
            imported: result.imported,
            activityRows: result.activityRows,
            activities: result.activities,
            counts: result.counts,
            rejected: result.rejected,
            missingColumns: result.missingColumns,
            dateOrders: result.dateOrders,
            ...names,
          };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(summary)}\n`);
          } else {
            const say = (s = '') => process.stdout.write(`${s}\n`);
            say(
              `Read ${result.rows} rows: imported ${result.imported} (${result.counts.won} won, ${result.counts.lost} lost, ${result.counts.open} open), rejected ${result.rejected.length}`,
            );
            if (opts.activities)
              say(`Read ${result.activityRows} activity rows: imported ${result.activities}`);
            for (const r of result.rejected) say(`  ${r.file} line ${r.line}: ${r.reason}`);
            for (const c of result.missingColumns) say(`  mapped column "${c}" is not in the export`);
            for (const d of result.dateOrders) say(`  dates: ${describeDateOrder(d)}`);
            say(`Qualification fields (${crm.data} names):`);
            for (const f of names.qualificationFields) say(`  ${f.field} (${f.kind}): ${f.label}`);
            if (result.imported === 0) {
              say('No row could be imported: no world file written.');
            } else {
              say(`Wrote ${out}. Next:`);
              say(`  npm run cli -- demo --world ${out}       (sync, score, train on it)`);
              say(`  npm run cli -- sandbox --world ${out}    (serve it as a ${crm.data} API)`);
            }
          }
          return result.imported > 0 ? EXIT.ok : EXIT.failure;
        }),
    );
}
