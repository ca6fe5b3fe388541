// What changed since last week (issue 18 item 3, docs/DIGEST.md), computed at the end of the score
// step from the stored deals (their CRM change history), this run's results and each deal's score
// about a week ago, and stored as the tenant's `whatChanged` document for the report page, the API
// and the weekly digest.

import type { Owner, Tenant } from '../src/domain/index.ts';
import {
  type BandThresholds,
  type ChangeDeal,
  type WhatChangedDocument,
  WhatChangedTally,
} from '../src/scoring/index.ts';
import type { Logger } from '../src/shared/logger.ts';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';

export interface WhatChangedStepInput {
  store: TenantStateStore;
  tenant: Pick<Tenant, 'id' | 'timezone'>;
  asOf: number;
  bands: BandThresholds;
  owners: readonly Owner[];
}

async function computeAndStoreWhatChanged(input: WhatChangedStepInput): Promise<WhatChangedDocument> {
  const { store, asOf } = input;
  const tally = new WhatChangedTally({
    asOf,
    timezone: input.tenant.timezone,
    bands: input.bands,
    owners: input.owners,
  });
  // Deal snapshots alone (no activities): the change history is on the deal. Summed as they come.
  for await (const chunk of store.deals.iterateDealSnapshots()) {
    const open = chunk.filter((d) => !d.isClosed);
    const ids = open.map((d) => d.id);
    const results = await store.results.getResults(ids);
    const weekAgo = await store.results.previousScores(ids, asOf);
    for (const d of open) {
      const r = results.get(d.id);
      tally.add({
        id: d.id,
        name: d.name,
        ownerId: d.ownerId,
        createdAt: d.createdAt,
        amount: d.amount,
        closeDate: d.closeDate,
        closeDateChanges: d.closeDateChanges,
        amountChanges: d.amountChanges,
        band: r?.band ?? null,
        reason: r?.reasons[0] ?? null,
        scoreWeekAgo: weekAgo.get(d.id)?.score ?? null,
      } satisfies ChangeDeal);
    }
  }
  const doc = tally.document();
  await store.documents.setJson('whatChanged', doc);
  return doc;
}

/** The score step's hook: a fault here is logged and never stops the run (the view keeps its age). */
export async function whatChangedHook(input: WhatChangedStepInput, logger: Logger): Promise<void> {
  try {
    await computeAndStoreWhatChanged(input);
  } catch (err) {
    logger.error({ err, tenantId: input.tenant.id }, 'what-changed failed; scores are kept');
  }
}
