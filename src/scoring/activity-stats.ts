// One pass over a compiled deal's activities, as of a moment, producing every counter the
// relationship indicators read. Indicators are then O(1) each; this keeps scoring fast.

import {
  ACT_CALL,
  ACT_EMAIL,
  ACT_MEETING,
  ACT_NOTE,
  ACT_TASK,
  type DealInput,
  F_CANCELED,
  F_CONNECTED,
  F_HELD,
  F_INBOUND,
  F_LONG_NOTES,
  F_NO_SHOW,
  F_NOTES,
  F_OUTBOUND,
  F_PLANNED,
  F_REPLY,
  F_TASK_OPEN,
} from './deal-input.ts';
import { DAY_MS } from './time.ts';

/** Counters over a deal's activities as of one moment. Times are epoch ms (NaN when none). */
export interface ActivityStats {
  /** Activities at or before asOf. */
  total: number;
  total30: number;
  lastActivityAt: number;
  /** Buyer-initiated email or call (inbound) within 30 days, and ever. */
  inbound30: number;
  inboundEver: number;
  /** Seller-initiated email or call within 30 days, and ever. */
  outbound30: number;
  outboundEver: number;
  /** The buyer's last inbound email or call. */
  lastInboundAt: number;
  /** The first seller outreach (for "no reply to N touches" when the buyer never answered). */
  firstOutboundAt: number;
  /** Two-way touches: inbound emails/calls, connected calls, held meetings. */
  twoWay14: number;
  twoWay30: number;
  lastTwoWayAt: number;
  /** Mean days from a seller email to the buyer's next inbound email (last 90 days); NaN when none. */
  replyLatencyDays: number;
  /** Conversations with logged notes (calls/meetings) and notes, last 30 days. */
  documented30: number;
  /** Any call/meeting/note with discovery-length notes, ever. */
  discoveryNotes: number;
  /** Next meeting scheduled after asOf; NaN when none. */
  nextMeetingAt: number;
  /** Buyer attendees on that next meeting. */
  nextMeetingBuyers: number;
  /** Held or upcoming meetings with two or more buyer attendees, last 60 days or upcoming. */
  multiBuyerMeetings: number;
  /** Open tasks with a due date at or after asOf, and overdue open tasks. */
  openTasksAhead: number;
  openTasksOverdue: number;
  /** Meetings within 90 days: held, no-show, canceled. */
  meetingsHeld90: number;
  meetingsNoShow90: number;
  meetingsCanceled90: number;
  /** Distinct buyer contacts on two-way touches within 30 days, and how many of them are senior. */
  engagedContacts30: number;
  engagedSenior30: number;
}

// What an activity counts as, from its type and flags alone (not its time): one table lookup per
// activity instead of a chain of type and flag tests in the loop below.
const R_IN = 1; // buyer-initiated email or call (must stay bit 0)
const R_OUT = 2; // seller-initiated email or call (must stay bit 1)
const R_TWO_WAY = 4;
const R_IN_EMAIL = 8;
const R_OUT_EMAIL = 16;
const R_EMAIL_DIRECTED = R_IN_EMAIL | R_OUT_EMAIL;
const R_MEET_HELD = 32;
const R_MEET_NO_SHOW = 64;
const R_MEET_CANCELED = 128;
const R_MEETING_OUTCOME = R_MEET_HELD | R_MEET_NO_SHOW | R_MEET_CANCELED;
const R_DOC_SHIFT = 8; // documented conversation or note
const R_DISC_SHIFT = 9; // discovery-length notes
const R_TASK_OPEN = 1024;
const R_PLANNED_MEETING = 2048;

/** The role bits of an activity with this type and these flags (the compiler's code bits 0-13). */
function roleOf(type: number, f: number): number {
  const directional = type === ACT_EMAIL || type === ACT_CALL;
  let r = 0;
  let twoWay = false;
  if (directional && (f & F_INBOUND) !== 0) {
    r |= R_IN | (type === ACT_EMAIL ? R_IN_EMAIL : 0);
    twoWay = true;
  } else if (directional && (f & F_OUTBOUND) !== 0) {
    r |= R_OUT | (type === ACT_EMAIL ? R_OUT_EMAIL : 0);
  } else if (type === ACT_EMAIL && (f & F_REPLY) !== 0) {
    // A reply with unknown direction still shows a conversation going both ways.
    twoWay = true;
  }
  if (type === ACT_CALL && (f & F_CONNECTED) !== 0) twoWay = true;
  if (type === ACT_MEETING) {
    // CRMs rarely update a past meeting's outcome: a past "scheduled" meeting counts as held.
    if ((f & (F_HELD | F_PLANNED)) !== 0) {
      r |= R_MEET_HELD;
      twoWay = true;
    } else if ((f & F_NO_SHOW) !== 0) r |= R_MEET_NO_SHOW;
    else if ((f & F_CANCELED) !== 0) r |= R_MEET_CANCELED;
    if ((f & F_PLANNED) !== 0) r |= R_PLANNED_MEETING;
  }
  if (twoWay) r |= R_TWO_WAY;
  if ((f & F_NOTES) !== 0 && (type === ACT_NOTE || (twoWay && type !== ACT_EMAIL))) r |= 1 << R_DOC_SHIFT;
  if ((f & F_LONG_NOTES) !== 0 && (type === ACT_NOTE || type === ACT_MEETING || type === ACT_CALL))
    r |= 1 << R_DISC_SHIFT;
  if (type === ACT_TASK && (f & F_TASK_OPEN) !== 0) r |= R_TASK_OPEN;
  return r;
}

/** Role bits indexed by the low 14 bits of an activity code (type | flags << 3). */
const ROLE = new Uint16Array(1 << 14);
for (let code = 0; code < ROLE.length; code++) ROLE[code] = roleOf(code & 7, code >>> 3);

let stamp = new Int32Array(256);
let generation = 0;

/** A zeroed {@link ActivityStats}, to be filled (and reused) by {@link computeActivityStats}. */
export function emptyActivityStats(): ActivityStats {
  return {
    total: 0,
    total30: 0,
    lastActivityAt: Number.NaN,
    inbound30: 0,
    inboundEver: 0,
    outbound30: 0,
    outboundEver: 0,
    lastInboundAt: Number.NaN,
    firstOutboundAt: Number.NaN,
    twoWay14: 0,
    twoWay30: 0,
    lastTwoWayAt: Number.NaN,
    replyLatencyDays: Number.NaN,
    documented30: 0,
    discoveryNotes: 0,
    nextMeetingAt: Number.NaN,
    nextMeetingBuyers: 0,
    multiBuyerMeetings: 0,
    openTasksAhead: 0,
    openTasksOverdue: 0,
    meetingsHeld90: 0,
    meetingsNoShow90: 0,
    meetingsCanceled90: 0,
    engagedContacts30: 0,
    engagedSenior30: 0,
  };
}

/**
 * Computes {@link ActivityStats} for `input` as of `asOf` (epoch ms). Pass `out` to fill an existing
 * object instead of allocating one (the batch scorer reuses one per call).
 */
export function computeActivityStats(input: DealInput, asOf: number, out?: ActivityStats): ActivityStats {
  const t14 = asOf - 14 * DAY_MS;
  const t30 = asOf - 30 * DAY_MS;
  const t60 = asOf - 60 * DAY_MS;
  const t90 = asOf - 90 * DAY_MS;
  const { actTime, actCode, contactIdx, contactSenior } = input;
  const n = input.actCount;
  generation++;
  if (generation === 0x7fffffff) {
    stamp = new Int32Array(256);
    generation = 1;
  }
  const gen = generation;

  let total = 0;
  let total30 = 0;
  let lastActivityAt = Number.NaN;
  let inbound30 = 0;
  let inboundEver = 0;
  let outbound30 = 0;
  let outboundEver = 0;
  let lastInboundAt = Number.NaN;
  let firstOutboundAt = Number.NaN;
  let twoWay14 = 0;
  let twoWay30 = 0;
  let lastTwoWayAt = Number.NaN;
  let lastOutEmailAt = Number.NaN;
  let latencySum = 0;
  let latencyN = 0;
  let documented30 = 0;
  let discoveryNotes = 0;
  let nextMeetingAt = Number.NaN;
  let nextMeetingBuyers = 0;
  let multiBuyerMeetings = 0;
  let openTasksAhead = 0;
  let openTasksOverdue = 0;
  let meetingsHeld90 = 0;
  let meetingsNoShow90 = 0;
  let meetingsCanceled90 = 0;
  let engaged = 0;
  let engagedSenior = 0;

  for (let i = 0; i < n; i++) {
    const at = actTime[i]!;
    const code = actCode[i]!;
    const r = ROLE[code & 0x3fff]!;
    const buyers = (code >>> 14) & 0xff;
    if (at > asOf) {
      // Only scheduled meetings are kept past asOf (the compiler drops everything else).
      if ((r & R_PLANNED_MEETING) !== 0) {
        if (!(nextMeetingAt <= at)) {
          nextMeetingAt = at;
          nextMeetingBuyers = buyers;
        }
        if (buyers >= 2) multiBuyerMeetings++;
      }
      continue;
    }
    // Counters are added as 0/1 rather than behind branches: activity kinds come in random order,
    // so branches on them mispredict often (this loop is most of the scoring time).
    total++;
    lastActivityAt = at;
    const in30 = at >= t30 ? 1 : 0;
    total30 += in30;
    const rin = r & R_IN;
    const rout = (r >>> 1) & 1;
    inboundEver += rin;
    inbound30 += rin & in30;
    outboundEver += rout;
    outbound30 += rout & in30;
    documented30 += (r >>> R_DOC_SHIFT) & in30;
    discoveryNotes += (r >>> R_DISC_SHIFT) & 1;
    if (rin !== 0) lastInboundAt = at;
    else if (rout !== 0 && !(firstOutboundAt <= at)) firstOutboundAt = at;
    if ((r & R_EMAIL_DIRECTED) !== 0) {
      // Reply latency: from the first unanswered seller email to the buyer's next email.
      if ((r & R_IN_EMAIL) !== 0) {
        if (at >= t90 && lastOutEmailAt >= 0) {
          latencySum += at - lastOutEmailAt;
          latencyN++;
          lastOutEmailAt = Number.NaN;
        }
      } else if (!(lastOutEmailAt >= 0)) lastOutEmailAt = at;
    }
    if ((r & R_MEETING_OUTCOME) !== 0) {
      if ((r & R_MEET_HELD) !== 0) {
        if (at >= t90) meetingsHeld90++;
        if (at >= t60 && buyers >= 2) multiBuyerMeetings++;
      } else if (at >= t90) {
        if ((r & R_MEET_NO_SHOW) !== 0) meetingsNoShow90++;
        else meetingsCanceled90++;
      }
    }
    if ((r & R_TASK_OPEN) !== 0) {
      const due = actTime[n + i]!;
      if (due >= asOf) openTasksAhead++;
      else if (due < asOf) openTasksOverdue++;
    }
    if ((r & R_TWO_WAY) !== 0) {
      if (!(lastTwoWayAt >= at)) lastTwoWayAt = at;
      if (in30 !== 0) {
        twoWay30++;
        if (at >= t14) twoWay14++;
        const end = actCode[n + i + 1]!;
        for (let k = actCode[n + i]!; k < end; k++) {
          const c = contactIdx[k]!;
          if (stamp[c] !== gen) {
            stamp[c] = gen;
            engaged++;
            if (contactSenior[c] === 1) engagedSenior++;
          }
        }
      }
    }
  }
  const o = out ?? emptyActivityStats();
  o.total = total;
  o.total30 = total30;
  o.lastActivityAt = lastActivityAt;
  o.inbound30 = inbound30;
  o.inboundEver = inboundEver;
  o.outbound30 = outbound30;
  o.outboundEver = outboundEver;
  o.lastInboundAt = lastInboundAt;
  o.firstOutboundAt = firstOutboundAt;
  o.twoWay14 = twoWay14;
  o.twoWay30 = twoWay30;
  o.lastTwoWayAt = lastTwoWayAt;
  o.replyLatencyDays = latencyN > 0 ? latencySum / latencyN / DAY_MS : Number.NaN;
  o.documented30 = documented30;
  o.discoveryNotes = discoveryNotes;
  o.nextMeetingAt = nextMeetingAt;
  o.nextMeetingBuyers = nextMeetingBuyers;
  o.multiBuyerMeetings = multiBuyerMeetings;
  o.openTasksAhead = openTasksAhead;
  o.openTasksOverdue = openTasksOverdue;
  o.meetingsHeld90 = meetingsHeld90;
  o.meetingsNoShow90 = meetingsNoShow90;
  o.meetingsCanceled90 = meetingsCanceled90;
  o.engagedContacts30 = engaged;
  o.engagedSenior30 = engagedSenior;
  return o;
}
