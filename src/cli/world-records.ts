// A world (from `import`, a generated one, or a CSV export imported in memory) as the scoring
// engine's deal records, so `evaluate --world` needs neither Redis nor a sandbox sync. Deals,
// stages, histories, contacts and activities are mapped to the domain as the connectors would.

import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { Activity, Contact, Deal, FieldValue, Pipeline } from '../domain/index.ts';
import { describeDateOrder } from '../import/date-order.ts';
import { type ImportResult, importExportFile } from '../import/export-importer.ts';
import { ImportMappingSchema } from '../import/import-mapping.ts';
import { readWorldFile } from '../import/world-file.ts';
import { customFieldName } from '../sandbox/salesforce/render-world.ts';
import type { SandboxWorld, WorldActivity } from '../sandbox/world.ts';
import type { DealRecord, QualificationFieldConfig } from '../scoring/index.ts';
import { AppError } from '../shared/app-error.ts';

export interface WorldRecords {
  records: DealRecord[];
  qualificationFields: QualificationFieldConfig[];
  /** The world's own "today" (epoch ms): open deals are judged as of it, never the wall clock. */
  now: number;
  source: string;
  /** What the reader should know about the data behind the figures (rows left out, checks off). */
  warnings: EvaluationWarning[];
}

/** A warning printed with an evaluation; `code` is stable, `message` says it in words. */
export interface EvaluationWarning {
  code: 'time_checks_off' | 'rows_rejected' | 'date_order_default';
  message: string;
}

export interface LoadWorldOptions {
  /** Closed deals without a close date are evaluated (time-based checks off) instead of rejected. */
  allowMissingCloseDates?: boolean;
}

const ALLOW_FLAG = '--allow-missing-close-dates';

/** Warnings about a CSV import: deals closed without a date, rejected rows, guessed date orders. */
function importWarnings(result: ImportResult): EvaluationWarning[] {
  const warnings: EvaluationWarning[] = [];
  const undated = result.closedWithoutCloseDate.imported;
  if (undated > 0) {
    const closed = result.counts.won + result.counts.lost;
    warnings.push({
      code: 'time_checks_off',
      message: `time-based checks are off for ${undated} closed deals${undated < closed ? ` of ${closed}` : ''} without a close date (${ALLOW_FLAG}): they count as closed together on the import's last day, their created dates set aside, so none of their outcomes is known before another's (owners' track records and field win rates as of a cut-off see none of them) and deal age, stage time and close-date slips carry nothing; folds are dealt in deal-id order${undated < closed ? `. Judged as of 14 days before that day, they do see the outcomes of the ${closed - undated} dated deals, whichever in fact closed first: their figures may be optimistic` : ''}`,
    });
  }
  if (result.rejected.length > 0) {
    const first = result.rejected[0]!;
    const undatedRejected = result.closedWithoutCloseDate.rejected;
    warnings.push({
      code: 'rows_rejected',
      message: `${result.rejected.length} of ${result.rows} rows were not imported and are not evaluated (first: ${first.file} line ${first.line}: ${first.reason})${undatedRejected > 0 ? `; ${undatedRejected} of them are closed deals without a close date (${ALLOW_FLAG} evaluates them without time-based checks)` : ''}`,
    });
  }
  for (const d of result.dateOrders)
    if (d.why === 'default') warnings.push({ code: 'date_order_default', message: describeDateOrder(d) });
  return warnings;
}

function pipelinesOf(world: SandboxWorld): Map<string, Pipeline> {
  return new Map(
    world.pipelines.map((p) => [
      p.key,
      {
        id: p.key,
        label: p.label,
        stages: p.stages.map((s) => ({
          id: s.key,
          label: s.label,
          order: s.order,
          isClosed: s.isClosed,
          isWon: s.isWon,
          probability: s.probability,
        })),
      },
    ]),
  );
}

const CALL: Record<string, Activity['callOutcome']> = {
  COMPLETED: 'connected',
  NO_ANSWER: 'no_answer',
  BUSY: 'busy',
  FAILED: 'failed',
};

function activityOf(a: WorldActivity): Activity {
  const meeting = a.meetingOutcome?.toLowerCase() as Activity['meetingOutcome'] | undefined;
  return {
    id: `a${a.n}`,
    type: a.type,
    dealIds: [`d${a.dealN}`],
    occurredAt: a.occurredAt,
    direction: a.direction,
    ownerId: a.ownerN === null ? null : `o${a.ownerN}`,
    contactIds: a.contactNs.map((n) => `p${n}`),
    isReply: a.isReply,
    callOutcome: a.type === 'call' ? (CALL[a.callStatus ?? ''] ?? 'unknown') : null,
    durationSeconds: a.durationSeconds,
    meetingOutcome: a.type === 'meeting' ? (meeting ?? null) : null,
    dueAt: a.type === 'task' ? a.taskDueAt : a.type === 'meeting' ? a.meetingEndAt : null,
    taskStatus: a.type === 'task' ? (a.taskStatus === 'COMPLETED' ? 'completed' : 'open') : null,
    bodyLength: a.body.length,
  };
}

/** Maps a world's deals to records; qualification values keep the import's field keys. */
export function worldToRecords(
  world: SandboxWorld,
  fields: readonly QualificationFieldConfig[],
  source: string,
): WorldRecords {
  const pipelines = pipelinesOf(world);
  const companies = new Map(world.companies.map((c) => [c.n, c]));
  const contacts = new Map<number, Contact>(
    world.contacts.map((c) => [
      c.n,
      {
        id: `p${c.n}`,
        name: `${c.firstName} ${c.lastName}`.trim(),
        email: c.email,
        title: c.title,
        accountId: c.companyN === null ? null : `c${c.companyN}`,
      },
    ]),
  );
  const activities = new Map<number, Activity[]>();
  for (const a of world.activities) {
    if (a.messy) continue; // orphaned or malformed on purpose: a connector would quarantine it
    const list = activities.get(a.dealN) ?? [];
    list.push(activityOf(a));
    activities.set(a.dealN, list);
  }
  const records: DealRecord[] = world.deals.map((d) => {
    const pipeline = pipelines.get(d.pipelineKey) ?? null;
    const stage = pipeline?.stages.find((s) => s.id === d.stageKey);
    const company = d.companyN === null ? undefined : companies.get(d.companyN);
    const deal: Deal = {
      id: `d${d.n}`,
      name: d.name,
      pipelineId: d.pipelineKey,
      stageId: d.stageKey,
      isClosed: stage?.isClosed ?? false,
      isWon: stage?.isWon ?? false,
      amount: d.amount,
      currency: null,
      closeDate: d.closeDate,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      closedAt: d.closedAt,
      ownerId: d.ownerN === null ? null : `o${d.ownerN}`,
      accountId: company ? `c${company.n}` : null,
      nextStep: d.nextStep,
      nextStepUpdatedAt: d.nextStepUpdatedAt,
      contacts: d.contacts.map((c) => ({
        contactId: `p${c.contactN}`,
        role: c.role,
        isPrimary: c.isPrimary,
      })),
      stageHistory: d.stageHistory.map((s) => ({ stageId: s.stageKey, enteredAt: s.enteredAt })),
      closeDateChanges: d.closeDateHistory.map((c, i, all) => ({
        at: c.at,
        from: i === 0 ? null : (all[i - 1]!.value ?? null),
        to: c.value,
      })),
      amountChanges: d.amountHistory.map((c, i, all) => ({
        at: c.at,
        from: i === 0 ? null : String(all[i - 1]!.value ?? ''),
        to: c.value === null ? null : String(c.value),
      })),
      fields: d.qualification as Record<string, FieldValue>,
    };
    return {
      deal,
      activities: activities.get(d.n) ?? [],
      contacts: d.contacts.flatMap((c) => {
        const contact = contacts.get(c.contactN);
        return contact ? [contact] : [];
      }),
      account: company
        ? {
            id: `c${company.n}`,
            name: company.name,
            industry: company.industry,
            employees: company.employees,
            annualRevenue: company.annualRevenue,
          }
        : null,
      pipeline,
    };
  });
  return { records, qualificationFields: [...fields], now: Date.parse(world.now), source, warnings: [] };
}

/**
 * Loads `--world FILE`: a world file written by `import`, or a CSV export (with its mapping)
 * imported in memory. Qualification fields keep the import's keys (not the CRM's renamed ones).
 */
export async function loadWorldRecords(
  path: string,
  mappingPath?: string,
  options: LoadWorldOptions = {},
): Promise<WorldRecords> {
  if (/\.(csv|tsv|txt)$/i.test(path)) {
    let mapping = ImportMappingSchema.parse({});
    if (mappingPath) {
      const parsed = ImportMappingSchema.safeParse(parseYaml(await readFile(mappingPath, 'utf8')));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new AppError('CONFIG_INVALID', `${mappingPath}: ${i?.path.join('.')}: ${i?.message}`);
      }
      mapping = parsed.data;
    }
    const result = await importExportFile(path, {
      mapping,
      ...(options.allowMissingCloseDates ? { allowMissingCloseDates: true } : {}),
    });
    const undated = result.closedWithoutCloseDate.rejected;
    // Without close dates nothing (or too little) is left to evaluate: say so, and that the flag exists.
    if (undated > 0 && (result.counts.won < 2 || result.counts.lost < 2)) {
      const column =
        mapping.columns.closeDate === undefined
          ? 'no close-date column recognised, or its cells are empty; a column can be named with columns.closeDate in the mapping file'
          : `the mapped column "${mapping.columns.closeDate}" is missing or empty there`;
      throw new AppError(
        'IMPORT_CLOSE_DATES_MISSING',
        `${path}: ${undated} closed deals have no close date (${column}), which the time-based checks need. Run evaluate with ${ALLOW_FLAG} to evaluate them without time-based checks (a warning says so).`,
        { details: { closedWithoutCloseDate: undated, flag: ALLOW_FLAG } },
      );
    }
    if (result.imported === 0)
      throw new AppError(
        'CONFIG_INVALID',
        `${path}: no row could be imported (${result.rejected.length} rejected)`,
      );
    return {
      ...worldToRecords(
        result.world,
        result.fields.map((f) => ({ field: f.field, label: f.label, kind: f.kind })),
        path,
      ),
      warnings: importWarnings(result),
    };
  }
  const file = await readWorldFile(path).catch((err: unknown) => {
    throw new AppError('CONFIG_INVALID', err instanceof Error ? err.message : String(err));
  });
  // The world file names fields as the CRM does (Budget_Allocated__c); the world's deals keep the
  // import's keys (budget_allocated): match them back by the same renaming the sandbox applies.
  const keys = new Set<string>();
  for (const d of file.world.deals) for (const k of Object.keys(d.qualification)) keys.add(k);
  const fields = file.qualificationFields.map((f) => ({
    field: [...keys].find((k) => k === f.field || customFieldName(k) === f.field) ?? f.field,
    label: f.label,
    kind: f.kind,
  }));
  return worldToRecords(file.world, fields, path);
}
