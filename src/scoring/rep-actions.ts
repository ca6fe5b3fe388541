// The rep-controllable actions of issue 18 ("what would raise this deal"), each as the deal would
// look right after it was done: the compiled deal with one activity added at asOf (or a fresh next
// step). Scoring the changed deal with the same model tells what the action is worth to this deal.

import type { RepActionKey } from '../domain/index.ts';
import { ACT_EMAIL, ACT_MEETING, type DealInput, F_HELD, F_INBOUND, F_REPLY } from './deal-input.ts';

/** An activity added to a compiled deal: contacts are indices into `contactIds`, or new contacts. */
interface AddedActivity {
  type: number;
  flags: number;
  /** Existing contact indices on the activity. */
  contacts: number[];
  /** New buyer contacts on the activity (seniority of each). */
  newContacts: boolean[];
}

/** Adds one activity at `input.asOf` (kept after any earlier ones; scheduled meetings may follow it). */
function withActivity(input: DealInput, add: AddedActivity): DealInput {
  const n = input.actCount;
  const m = n + 1;
  const contactIds = [...input.contactIds];
  const senior = Array.from(input.contactSenior);
  const added = [...add.contacts];
  for (const isSenior of add.newContacts) {
    if (contactIds.length >= 255) break; // the compiled form caps buyer contacts at 255
    added.push(contactIds.length);
    contactIds.push(`(new contact ${contactIds.length})`);
    senior.push(isSenior ? 1 : 0);
  }
  const actTime = new Float64Array(2 * m);
  actTime.set(input.actTime.subarray(0, n), 0);
  actTime[n] = input.asOf;
  actTime.set(input.actTime.subarray(n, 2 * n), m);
  actTime[m + n] = Number.NaN;
  const actCode = new Int32Array(2 * m + 1);
  actCode.set(input.actCode.subarray(0, n), 0);
  actCode[n] = add.type | (add.flags << 3) | (Math.min(255, added.length) << 14);
  // Contact offsets: the existing ones unchanged, the new activity's contacts appended at the end.
  actCode.set(input.actCode.subarray(n, 2 * n), m);
  const end = input.actCode[2 * n] ?? 0;
  actCode[m + n] = end;
  actCode[2 * m] = end + added.length;
  const contactIdx = new Uint8Array(end + added.length);
  contactIdx.set(input.contactIdx.subarray(0, end), 0);
  contactIdx.set(added, end);
  return {
    ...input,
    actCount: m,
    actTime,
    actCode,
    contactIdx,
    contactIds,
    contactSenior: Uint8Array.from(senior),
  };
}

/** The deal's first `count` buyer contacts, and how many new ones are needed to reach `count`. */
function firstContacts(input: DealInput, count: number): { contacts: number[]; missing: number } {
  const contacts: number[] = [];
  for (let c = 0; c < input.contactIds.length && contacts.length < count; c++) contacts.push(c);
  return { contacts, missing: count - contacts.length };
}

/** The deal as it would be right after the rep did `action` (as of the deal's asOf). */
export function applyRepAction(input: DealInput, action: RepActionKey): DealInput {
  switch (action) {
    case 'multi_contact_meeting': {
      const { contacts, missing } = firstContacts(input, 2);
      return withActivity(input, {
        type: ACT_MEETING,
        flags: F_HELD,
        contacts,
        newContacts: new Array<boolean>(missing).fill(false),
      });
    }
    case 'senior_contact': {
      // A connected conversation with a senior contact: the deal's own if it has one, else a new one.
      const senior = input.contactSenior.indexOf(1);
      return withActivity(input, {
        type: ACT_MEETING,
        flags: F_HELD,
        contacts: senior >= 0 ? [senior] : [],
        newContacts: senior >= 0 ? [] : [true],
      });
    }
    case 'buyer_reply': {
      const { contacts, missing } = firstContacts(input, 1);
      return withActivity(input, {
        type: ACT_EMAIL,
        flags: F_INBOUND | F_REPLY,
        contacts,
        newContacts: new Array<boolean>(missing).fill(false),
      });
    }
    case 'fresh_next_step':
      return { ...input, nextStepState: 1, nextStepUpdatedAt: input.asOf };
  }
}
