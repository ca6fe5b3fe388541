import { type Band, currencyCode, dealRecordUrl, type HealthResult } from '../../domain/index.ts';
import type { StoredMetadata } from '../../store/sync-state.store.ts';
import type { TenantStateStore } from '../../store/tenant-state.store.ts';

/** One open deal as the report's table, the deals API and the CSV export show it. */
export interface OpenDealRow {
  dealId: string;
  name: string;
  ownerId: string | null;
  owner: string | null;
  stage: string | null;
  /** In `currency` (the deal's own code where the CRM gives one, else the account's); not converted. */
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  score: number;
  band: Band;
  topReason: string | null;
  /** The deal's record page in the CRM; null when the account's address is not stored yet. */
  recordUrl: string | null;
}

export interface OpenDeals {
  /** The account's company currency; null when the CRM did not say (amounts are then plain numbers). */
  currency: string | null;
  /** Worst score first, then by name. */
  deals: OpenDealRow[];
}

/** Which rows a table, API or CSV caller asked for: an owner id ('' for deals without an owner) and a band. */
export interface OpenDealFilter {
  owner?: string | undefined;
  band?: Band | undefined;
}

export function filterOpenDeals(rows: readonly OpenDealRow[], filter: OpenDealFilter): OpenDealRow[] {
  return rows.filter(
    (r) =>
      (filter.owner === undefined || (r.ownerId ?? '') === filter.owner) &&
      (filter.band === undefined || r.band === filter.band),
  );
}

/** Every scored open deal with its stored snapshot, owner name, stage label and CRM link. */
export async function readOpenDeals(
  store: TenantStateStore,
  results: readonly HealthResult[],
  metadata: StoredMetadata | null,
): Promise<OpenDeals> {
  const snapshots = await store.deals.getDeals(results.map((r) => r.dealId));
  const owners = new Map((metadata?.owners ?? []).map((o) => [o.id, o.name]));
  const stages = new Map(
    (metadata?.pipelines ?? []).flatMap((p) =>
      p.stages.map((s) => [`${p.id}\u0000${s.id}`, s.label] as const),
    ),
  );
  const account = metadata?.account;
  const accountCurrency = account?.currency ?? null;
  const deals = results.map((r): OpenDealRow => {
    const deal = snapshots.get(r.dealId);
    const ownerId = deal?.ownerId ?? null;
    return {
      dealId: r.dealId,
      name: deal?.name ?? r.dealId,
      ownerId,
      owner: ownerId === null ? null : (owners.get(ownerId) ?? ownerId),
      stage:
        deal === undefined ? null : (stages.get(`${deal.pipelineId}\u0000${deal.stageId}`) ?? deal.stageId),
      amount: deal?.amount ?? null,
      currency: currencyCode(deal?.currency) ?? accountCurrency,
      closeDate: deal?.closeDate ?? null,
      score: r.score,
      band: r.band,
      topReason: r.reasons[0] ?? null,
      recordUrl: dealRecordUrl(account, r.dealId),
    };
  });
  deals.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name) || a.dealId.localeCompare(b.dealId));
  return { currency: accountCurrency, deals };
}
