import {
  type Owner,
  type Pipeline,
  type Stage,
  type Target,
  PipelineSchema,
} from '../../src/domain/index.ts';
import { AppError } from '../../src/shared/app-error.ts';
import type { CrmMetadata } from '../crm-connector.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { salesforceErrorCode } from './salesforce-failure.ts';
import { SALESFORCE_PIPELINE_ID } from './salesforce-limits.ts';
import {
  RawQuotaSchema,
  RawStageSchema,
  RawUserSchema,
  QUOTA_FIELDS,
  STAGE_FIELDS,
  USER_FIELDS,
} from './salesforce-records.ts';

function isInvalidType(err: unknown): boolean {
  return salesforceErrorCode(err) === 'INVALID_TYPE';
}

/** Stages from OpportunityStage (every stage, active or not: open deals can sit in an inactive one). */
export async function fetchStages(client: SalesforceClient): Promise<Stage[] | null> {
  let records: Record<string, unknown>[];
  try {
    records = await client.queryAll(
      `SELECT ${STAGE_FIELDS.join(', ')} FROM OpportunityStage ORDER BY SortOrder ASC`,
      {
        what: 'query OpportunityStage',
      },
    );
  } catch (err) {
    if (isInvalidType(err)) return null;
    throw err;
  }
  const stages: Stage[] = [];
  for (const raw of records) {
    const parsed = RawStageSchema.safeParse(raw);
    if (!parsed.success) continue;
    const s = parsed.data;
    stages.push({
      id: s.ApiName,
      label: s.MasterLabel,
      order: stages.length,
      isClosed: s.IsClosed,
      isWon: s.IsWon,
      probability: s.DefaultProbability === null ? null : s.DefaultProbability / 100,
    });
  }
  return stages;
}

/** Without OpportunityStage access: the stages the opportunities use, open ones first. */
async function stagesFromOpportunities(client: SalesforceClient): Promise<Stage[]> {
  const seen = new Map<string, { isClosed: boolean; isWon: boolean; probability: number | null }>();
  for await (const batch of client.query('SELECT StageName, IsClosed, IsWon, Probability FROM Opportunity', {
    what: 'query Opportunity stages',
  })) {
    for (const r of batch.records) {
      if (typeof r.StageName !== 'string' || seen.has(r.StageName)) continue;
      seen.set(r.StageName, {
        isClosed: r.IsClosed === true,
        isWon: r.IsWon === true,
        probability: typeof r.Probability === 'number' ? r.Probability / 100 : null,
      });
    }
  }
  return [...seen.entries()]
    .sort(
      ([, a], [, b]) =>
        Number(a.isClosed) - Number(b.isClosed) || (a.probability ?? 0) - (b.probability ?? 0),
    )
    .map(([id, s], order) => ({ id, label: id, order, ...s }));
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate()) - 86_400_000);
  return end.toISOString().slice(0, 10);
}

export interface MetadataOptions {
  /** Length of a ForecastingQuota period in months (the org's forecast period: 1 or 3). */
  quotaPeriodMonths: number;
  /** Objects known to be missing in this org. */
  missingObjects: Set<string>;
}

/** Salesforce has one stage picklist (sales processes aside): one pipeline with every stage. */
export async function fetchSalesforceMetadata(
  client: SalesforceClient,
  options: MetadataOptions,
): Promise<CrmMetadata> {
  const stages = (await fetchStages(client)) ?? (await stagesFromOpportunities(client));
  if (stages.length === 0) throw new AppError('CRM_REJECTED', 'Salesforce returned no opportunity stages');
  const pipelines: Pipeline[] = [
    PipelineSchema.parse({ id: SALESFORCE_PIPELINE_ID, label: 'Opportunities', stages }),
  ];

  const owners: Owner[] = [];
  for (const raw of await client.queryAll(`SELECT ${USER_FIELDS.join(', ')} FROM User`, {
    what: 'query User',
  })) {
    const parsed = RawUserSchema.safeParse(raw);
    if (parsed.success) {
      owners.push({
        id: parsed.data.Id,
        name: parsed.data.Name,
        email: parsed.data.Email,
        team: parsed.data.Department,
        ...(typeof parsed.data.IsActive === 'boolean' ? { active: parsed.data.IsActive } : {}),
        managerId: parsed.data.ManagerId ?? null,
      });
    }
  }

  const targets: Target[] = [];
  if (!options.missingObjects.has('ForecastingQuota')) {
    try {
      const rows = await client.queryAll(`SELECT ${QUOTA_FIELDS.join(', ')} FROM ForecastingQuota`, {
        what: 'query ForecastingQuota',
      });
      for (const raw of rows) {
        const parsed = RawQuotaSchema.safeParse(raw);
        if (!parsed.success) continue;
        targets.push({
          ownerId: parsed.data.QuotaOwnerId,
          periodStart: parsed.data.StartDate,
          periodEnd: addMonths(parsed.data.StartDate, options.quotaPeriodMonths),
          amount: parsed.data.QuotaAmount,
        });
      }
    } catch (err) {
      // Collaborative Forecasts off: no quotas; targets then come from tenant configuration.
      if (!isInvalidType(err)) throw err;
      options.missingObjects.add('ForecastingQuota');
    }
  }
  return { pipelines, owners, targets };
}
