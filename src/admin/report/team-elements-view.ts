import type { StoredMetadata } from '../../store/sync-state.store.ts';
import type { TenantStateStore } from '../../store/tenant-state.store.ts';

/** What the admin reads of the stored elements x owners view (the score step writes it, docs/ADMIN.md). */
interface ElementCounts {
  weak: number;
  judged: number;
  weakShare: number;
}

interface ElementRow {
  ownerId: string | null;
  team: boolean;
  openDeals: number;
  elements: Record<string, ElementCounts>;
  notes: string[];
  [field: string]: unknown;
}

interface StoredTeamElements {
  elements: { key: string; label: string }[];
  owners: ElementRow[];
  team: ElementRow;
  [field: string]: unknown;
}

export interface TeamElements extends StoredTeamElements {
  owners: (ElementRow & { owner: string | null })[];
}

/**
 * The seven survey elements across the tenant's owners as the last score step counted them, with
 * owner names; null before any score step. One reader for the API and the report page, so both
 * show the same numbers.
 */
export async function readTeamElements(
  store: TenantStateStore,
  metadata: StoredMetadata | null,
): Promise<TeamElements | null> {
  const view = await store.documents.getJson<StoredTeamElements>('teamElements');
  if (view === null) return null;
  const names = new Map((metadata?.owners ?? []).map((o) => [o.id, o.name]));
  return {
    ...view,
    owners: view.owners.map((row) => ({
      ...row,
      owner: row.ownerId === null ? null : (names.get(row.ownerId) ?? row.ownerId),
    })),
  };
}
