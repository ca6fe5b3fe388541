import { z } from 'zod';
import { AppError } from '../../src/shared/app-error.ts';

/** Keyset position inside a search: last `hs_lastmodifieddate` (ms) and the ids already seen at it. */
const KeysetPositionSchema = z.object({
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
const HubSpotCursorSchema = z.object({
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

/**
 * Parse a stored cursor. An unreadable one is a bug or tampering, not something to guess around:
 * silently starting a full sync instead would hide it (clear the stored cursor to force one).
 */
export function decodeCursor(text: string): HubSpotCursor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AppError('INTERNAL', 'unreadable HubSpot cursor (not JSON)', { cause });
  }
  const parsed = HubSpotCursorSchema.safeParse(json);
  if (!parsed.success) {
    throw new AppError('INTERNAL', 'unreadable HubSpot cursor', {
      details: { issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return parsed.data;
}
