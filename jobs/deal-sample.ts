/**
 * A deterministic sample of a tenant's deals, so statistics over very large tenants (norms learned
 * from every deal's activity) stay in bounded memory. Each deal is in or out by a hash of its id,
 * not by the order Redis returns deals, so a retried step learns exactly the same norms. Tenants
 * with at most `limit` deals are taken whole (`all`).
 */
export function dealSampler(
  total: number,
  limit: number,
): ((dealId: string) => boolean) & { readonly all: boolean } {
  if (total <= limit) return Object.assign(() => true, { all: true });
  const threshold = Math.floor((limit / total) * 0x1_0000_0000);
  return Object.assign((dealId: string) => fnv1a(dealId) < threshold, { all: false });
}

/** FNV-1a, 32 bits: cheap, stable across processes and versions. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
