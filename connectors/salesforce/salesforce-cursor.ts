import { z } from 'zod';

/**
 * The sync phases. A REST full sync runs only `opportunities` (activities come per page); an
 * incremental sync adds changed activities and deletions; a Bulk API full sync reads each object
 * on its own (see {@link phasesFor}).
 */
const SYNC_PHASES = [
  'opportunities',
  'tasks',
  'events',
  'emails',
  'deletions',
  'contacts',
  'accounts',
] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

/** How a full sync reads: REST queries per page of opportunities, or one Bulk API 2.0 job per object. */
export type SyncMode = 'rest' | 'bulk';

const PositionSchema = z.object({ modstamp: z.string(), id: z.string() });
export type SyncPosition = z.infer<typeof PositionSchema>;

/** The Bulk API job a phase is reading and the locator of its next results page (null: the first). */
const BulkPositionSchema = z.object({ jobId: z.string(), locator: z.string().nullable() });
export type BulkPosition = z.infer<typeof BulkPositionSchema>;

/**
 * What the opaque cursor string holds. `since` is the run's lower bound (null: full sync);
 * `after` the last (SystemModstamp, Id) stored in the current phase, so a resumed run continues
 * after it; `nextSince` the lower bound for the run after this one. A Bulk API full sync
 * (`mode: 'bulk'`) also keeps the job and next locator (`bulk`), so a resumed run reads the next
 * results page of the same job; `after` still says where a fresh query would continue. Its
 * objects are each read by a bulk job or by REST queries in Id order (`plan`); a REST-read phase
 * keeps the last stored Id in `after`.
 */
/** A full sync's read plan (connectors/salesforce/salesforce-read-plan.ts), kept so a resumed run reads the same way. */
const ReadPlanSchema = z.object({
  opportunities: z.number(),
  countCalls: z.number(),
  objects: z.array(
    z.object({
      object: z.string(),
      rows: z.number(),
      restCalls: z.number(),
      bulkCalls: z.number(),
      via: z.enum(['rest', 'bulk']),
    }),
  ),
  restCalls: z.number(),
  bulkCalls: z.number(),
  plannedCalls: z.number(),
});

const SyncCursorSchema = z.discriminatedUnion('state', [
  z.object({
    v: z.literal(1),
    state: z.literal('running'),
    since: z.string().nullable(),
    phase: z.enum(SYNC_PHASES),
    after: PositionSchema.nullable(),
    nextSince: z.string(),
    mode: z.enum(['rest', 'bulk']).optional(),
    bulk: BulkPositionSchema.nullable().optional(),
    /** `mode: 'bulk'`: how each object is read (absent in cursors from before plans: every object by bulk job). */
    plan: ReadPlanSchema.optional(),
  }),
  z.object({ v: z.literal(1), state: z.literal('done'), nextSince: z.string() }),
]);
export type SyncCursor = z.infer<typeof SyncCursorSchema>;

export function encodeCursor(cursor: SyncCursor): string {
  return JSON.stringify(cursor);
}

/** Parse a stored cursor; a cursor that does not parse is a bug or corruption, never guessed at. */
export function decodeCursor(text: string): SyncCursor | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: 'cursor is not JSON' };
  }
  const parsed = SyncCursorSchema.safeParse(raw);
  if (!parsed.success)
    return { error: `cursor does not match the Salesforce cursor shape: ${parsed.error.message}` };
  return parsed.data;
}

/**
 * The phases a run goes through: incremental runs also pick up activities and deletions on their
 * own; a Bulk API full sync reads every object in its own phase (contacts and accounts too).
 */
export function phasesFor(since: string | null, mode: SyncMode = 'rest'): SyncPhase[] {
  if (since !== null) return ['opportunities', 'tasks', 'events', 'emails', 'deletions'];
  return mode === 'bulk'
    ? ['opportunities', 'tasks', 'events', 'emails', 'contacts', 'accounts']
    : ['opportunities'];
}

/**
 * SOQL datetime literals have whole seconds, so the keyset condition is exact only when
 * SystemModstamp has no milliseconds (Salesforce's do not). Where it has them, records of the
 * boundary second that were already stored come back; this drops them again. It never drops a
 * record the server placed after the position: equal timestamps with another id are kept.
 */
export function notSeen(after: SyncPosition | null): (record: Record<string, unknown>) => boolean {
  if (after === null) return () => true;
  const afterMs = Date.parse(after.modstamp);
  return (record) => {
    const ms = typeof record.SystemModstamp === 'string' ? Date.parse(record.SystemModstamp) : Number.NaN;
    if (Number.isNaN(ms)) return true;
    return ms > afterMs || (ms === afterMs && record.Id !== after.id);
  };
}

/** The keyset position of a raw record (its SystemModstamp normalised to ISO, and its Id). */
export function positionOf(record: Record<string, unknown> | undefined): SyncPosition | null {
  if (record === undefined || typeof record.Id !== 'string' || typeof record.SystemModstamp !== 'string')
    return null;
  const ms = Date.parse(record.SystemModstamp);
  return Number.isNaN(ms) ? null : { modstamp: new Date(ms).toISOString(), id: record.Id };
}
