import { z } from 'zod';

/** Keyset position inside a search: last `hs_lastmodifieddate` (ms) and the ids already seen at it. */
export const KeysetPositionSchema = z.object({
  ts: z.number(),
  ids: z.array(z.string()),
  /** Inside a tie too large for a NOT_IN filter: the last id seen, paging by id within `ts`. */
  tieId: z.string().nullable().default(null),
});
export type KeysetPosition = z.infer<typeof KeysetPositionSchema>;

/**
 * The opaque cursor `pull` hands out, as JSON. A pull covers (from, until]: `from` is the previous
 * pull's `until` minus the lookback (null on the first full sync), `until` when the pull started.
 */
export const HubSpotCursorSchema = z.object({
  v: z.literal(1),
  from: z.number().nullable(),
  until: z.number(),
  phase: z.enum(['deals', 'activities', 'deleted', 'done']),
  pos: KeysetPositionSchema.nullable(),
  /** Index into ENGAGEMENT_OBJECTS during the activities phase. */
  eng: z.number().int().min(0).default(0),
});
export type HubSpotCursor = z.infer<typeof HubSpotCursorSchema>;

export function encodeCursor(cursor: HubSpotCursor): string {
  return JSON.stringify(cursor);
}

/** Parse a stored cursor; an unreadable one is a bug or tampering, not something to guess around. */
export function decodeCursor(text: string): HubSpotCursor {
  return HubSpotCursorSchema.parse(JSON.parse(text));
}
