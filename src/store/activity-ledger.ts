import type { Activity } from '../domain/index.ts';

/**
 * Compact per-deal activity ledger: each activity is a short array instead of a keyed object,
 * about a third of the JSON size, because a tenant's ledgers are most of its Redis memory.
 * The ledger is bounded: only the latest `MAX_LEDGER_ACTIVITIES` per deal are kept.
 */
export const MAX_LEDGER_ACTIVITIES = 300;

const TYPES = ['email', 'call', 'meeting', 'note', 'task'] as const;
const DIRECTIONS = [null, 'inbound', 'outbound'] as const;
const CALL = [null, 'connected', 'no_answer', 'busy', 'left_voicemail', 'failed', 'unknown'] as const;
const MEETING = [null, 'scheduled', 'completed', 'rescheduled', 'no_show', 'canceled'] as const;
const TASK = [null, 'open', 'completed'] as const;

/** [id, type, occurredAtMs, direction, isReply(-1/0/1), call, durationS(-1=null), meeting, dueAtMs(0=null), task, bodyLength, ownerId, contactIds] */
export type LedgerEntry = [
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  string | null,
  string[],
];

function code<T>(table: readonly T[], value: T): number {
  const i = table.indexOf(value);
  return Math.max(i, 0);
}

export function encodeActivity(a: Activity): LedgerEntry {
  return [
    a.id,
    code(TYPES, a.type),
    Date.parse(a.occurredAt),
    code(DIRECTIONS, a.direction),
    a.isReply === null ? -1 : a.isReply ? 1 : 0,
    code(CALL, a.callOutcome),
    a.durationSeconds ?? -1,
    code(MEETING, a.meetingOutcome),
    a.dueAt === null ? 0 : Date.parse(a.dueAt),
    code(TASK, a.taskStatus),
    a.bodyLength,
    a.ownerId,
    a.contactIds,
  ];
}

export function decodeActivity(e: LedgerEntry, dealId: string): Activity {
  return {
    id: e[0],
    type: TYPES[e[1]] ?? 'note',
    dealIds: [dealId],
    occurredAt: new Date(e[2]).toISOString(),
    direction: DIRECTIONS[e[3]] ?? null,
    ownerId: e[11],
    contactIds: e[12],
    isReply: e[4] === -1 ? null : e[4] === 1,
    callOutcome: CALL[e[5]] ?? null,
    durationSeconds: e[6] < 0 ? null : e[6],
    meetingOutcome: MEETING[e[7]] ?? null,
    dueAt: e[8] === 0 ? null : new Date(e[8]).toISOString(),
    taskStatus: TASK[e[9]] ?? null,
    bodyLength: e[10],
  };
}

/** Merge entries by activity id (newer wins), keep the latest `max` by time, oldest first. */
export function mergeLedger(
  existing: LedgerEntry[],
  incoming: LedgerEntry[],
  max = MAX_LEDGER_ACTIVITIES,
): LedgerEntry[] {
  const byId = new Map<string, LedgerEntry>();
  for (const e of existing) byId.set(e[0], e);
  for (const e of incoming) byId.set(e[0], e);
  const all = [...byId.values()].sort((a, b) => a[2] - b[2]);
  return all.length > max ? all.slice(all.length - max) : all;
}
