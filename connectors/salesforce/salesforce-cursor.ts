import { z } from 'zod';

/** The sync phases, in order. A full sync runs only `opportunities` (activities come per page). */
export const SYNC_PHASES = ['opportunities', 'tasks', 'events', 'emails', 'deletions'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

const PositionSchema = z.object({ modstamp: z.string(), id: z.string() });
export type SyncPosition = z.infer<typeof PositionSchema>;

/**
 * What the opaque cursor string holds. `since` is the run's lower bound (null: full sync);
 * `after` the last (SystemModstamp, Id) stored in the current phase, so a resumed run continues
 * after it; `nextSince` the lower bound for the run after this one.
 */
export const SyncCursorSchema = z.discriminatedUnion('state', [
  z.object({
    v: z.literal(1),
    state: z.literal('running'),
    since: z.string().nullable(),
    phase: z.enum(SYNC_PHASES),
    after: PositionSchema.nullable(),
    nextSince: z.string(),
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

/** The phases a run goes through: incremental runs also pick up activities and deletions on their own. */
export function phasesFor(since: string | null): SyncPhase[] {
  return since === null ? ['opportunities'] : [...SYNC_PHASES];
}
