import {
  type Deal,
  DealContactSchema,
  DealSchema,
  FieldChangeSchema,
  StageChangeSchema,
} from '../domain/index.ts';

/**
 * The stored form of a deal snapshot: `[1, ...values]` in the schema's key order (the id is the
 * hash field), nested contacts, stage entries and field changes as arrays in their schemas' key
 * order too, and timestamps as epoch ms where that gives the same text back. A third of a
 * snapshot was key names. Lossless; snapshots stored before (JSON objects) are read as they are,
 * and one with a key missing (a partial test or tool object) is kept as JSON.
 */
const TOP = Object.keys(DealSchema.shape).filter((k) => k !== 'id') as (keyof Deal)[];
const NESTED: Partial<Record<keyof Deal, string[]>> = {
  contacts: Object.keys(DealContactSchema.shape),
  stageHistory: Object.keys(StageChangeSchema.shape),
  closeDateChanges: Object.keys(FieldChangeSchema.shape),
  amountChanges: Object.keys(FieldChangeSchema.shape),
};
/** Timestamps (top-level and nested) stored as ms when exact. */
const TIMES = new Set(['createdAt', 'updatedAt', 'closedAt', 'nextStepUpdatedAt', 'enteredAt', 'at']);

const packTime = (key: string, v: unknown) => {
  if (!TIMES.has(key) || typeof v !== 'string') return v;
  const ms = Date.parse(v);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === v ? ms : v;
};
const unpackTime = (key: string, v: unknown) =>
  TIMES.has(key) && typeof v === 'number' ? new Date(v).toISOString() : v;

export function encodeDeal(deal: Deal): string {
  const record = deal as unknown as Record<string, unknown>;
  const nestedWhole = Object.entries(NESTED).every(
    ([key, keys]) =>
      Array.isArray(record[key]) &&
      (record[key] as Record<string, unknown>[]).every((item) => keys!.every((k) => item[k] !== undefined)),
  );
  if (!nestedWhole || TOP.some((k) => record[k] === undefined)) return JSON.stringify(deal);
  const values = TOP.map((key) => {
    const keys = NESTED[key];
    if (keys === undefined) return packTime(key, record[key]);
    return (record[key] as Record<string, unknown>[]).map((item) => keys.map((k) => packTime(k, item[k])));
  });
  return JSON.stringify([1, ...values]);
}

export function decodeDeal(id: string, raw: string): Deal {
  if (raw.startsWith('{')) return JSON.parse(raw) as Deal;
  const values = (JSON.parse(raw) as unknown[]).slice(1);
  const out: Record<string, unknown> = { id };
  TOP.forEach((key, i) => {
    const keys = NESTED[key];
    out[key] =
      keys === undefined
        ? unpackTime(key, values[i])
        : (values[i] as unknown[][]).map((item) =>
            Object.fromEntries(keys.map((k, j) => [k, unpackTime(k, item[j])])),
          );
  });
  return out as Deal;
}
