import { CRM_LIMITS } from '../shared/crm-limits.ts';
import type { HubSpotHttp } from './hubspot-http.ts';

/**
 * Every deal id HubSpot holds now in the tracked pipelines (empty: all), ids only, for the nightly
 * reconciliation. CRM search, 200 per call, keyset-paged on `hs_object_id` (GT the last id, sorted
 * ascending) so no query pages toward search's 10,000-result cap (developers.hubspot.com, CRM
 * search: "limit of 10,000 total results"). Archived deals are not searchable, so they are absent.
 */
export async function* listHubSpotDealIds(
  http: HubSpotHttp,
  pipelines: readonly string[],
  signal?: AbortSignal,
): AsyncGenerator<string[]> {
  let last: string | null = null;
  for (let guard = 0; guard < 1_000_000; guard += 1) {
    const filters: { propertyName: string; operator: string; value?: string; values?: string[] }[] = [];
    if (pipelines.length > 0)
      filters.push({ propertyName: 'pipeline', operator: 'IN', values: [...pipelines] });
    if (last !== null) filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: last });
    const res = await http.call(
      'search',
      () =>
        http.client.crm.objects.searchApi.doSearch('deals', {
          filterGroups: filters.length > 0 ? [{ filters: filters as never }] : [],
          sorts: ['hs_object_id'],
          properties: ['hs_object_id'],
          limit: CRM_LIMITS.hubspot.searchPageSize,
        }),
      signal,
    );
    const ids = res.results.map((r) => r.id);
    if (ids.length > 0) yield ids;
    if (res.paging?.next?.after === undefined || ids.length === 0) return;
    last = ids.at(-1)!;
  }
}
