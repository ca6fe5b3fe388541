import type { SalesforceClient } from './salesforce-client.ts';

/**
 * Every opportunity id Salesforce holds now (query, not queryAll: deleted rows are left out), ids
 * only, 2,000 per call (the largest REST query batch), for the nightly reconciliation.
 */
export async function* listSalesforceDealIds(
  client: SalesforceClient,
  signal?: AbortSignal,
): AsyncGenerator<string[]> {
  for await (const batch of client.query('SELECT Id FROM Opportunity ORDER BY Id ASC', {
    what: 'query Opportunity ids',
    batchSize: 2_000,
  })) {
    signal?.throwIfAborted();
    const ids = batch.records.flatMap((r) => (typeof r.Id === 'string' ? [r.Id] : []));
    if (ids.length > 0) yield ids;
  }
}
