/** Small SOQL text helpers: quoting, SystemModstamp windows and IN-list chunking. */

/** A SOQL string literal. Backslash and quote are the characters SOQL needs escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** SOQL datetime literals take no quotes and must be UTC ISO-8601. */
export function soqlDateTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The condition "strictly after (modstamp, id)" for keyset paging, so a resumed run continues
 * exactly after the last stored record even when many records share one SystemModstamp.
 */
export function afterPosition(position: { modstamp: string; id: string }): string {
  const at = soqlDateTime(position.modstamp);
  return `(SystemModstamp > ${at} OR (SystemModstamp = ${at} AND Id > ${soqlString(position.id)}))`;
}

/**
 * Split `ids` into `IN (...)` lists so that `prefix + list + suffix`, URL-encoded, stays within
 * `maxUrlLength`. Ids are de-duplicated; order is kept.
 */
export function chunkInClause(ids: Iterable<string>, fixedLength: number, maxUrlLength: number): string[][] {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = fixedLength;
  for (const id of unique) {
    // encodeURIComponent length of "'id'," : quotes and comma each become 3 characters.
    const cost = encodeURIComponent(soqlString(id)).length + 3;
    if (current.length > 0 && length + cost > maxUrlLength) {
      chunks.push(current);
      current = [];
      length = fixedLength;
    }
    current.push(id);
    length += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export function inList(ids: string[]): string {
  return `(${ids.map(soqlString).join(',')})`;
}
