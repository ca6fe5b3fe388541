// 4. Joint planning: a meeting booked in the next 14/30 days, meetings with two or more buyer
// attendees, a fresh next step, open tasks with due dates.

import { DAY_MS, daysBetween, plural } from '../time.ts';
import { type IndicatorFn, indicatorResult } from './indicator.ts';

/** A next step older than this many days counts as stale. */
export const NEXT_STEP_FRESH_DAYS = 14;

export const jointPlanning: IndicatorFn = (input, stats, ctx) => {
  const hasMeeting = stats.nextMeetingAt > ctx.asOf;
  const inDays = hasMeeting ? Math.ceil((stats.nextMeetingAt - ctx.asOf) / DAY_MS) : -1;
  const meet = !hasMeeting ? 0 : inDays <= 14 ? 1 : inDays <= 30 ? 0.7 : 0.3;
  const multi = stats.multiBuyerMeetings > 0 ? 1 : 0;
  let nextStep = 0.5; // unknown as of this date: neutral
  if (input.nextStepState === 0) nextStep = 0;
  else if (input.nextStepState === 1)
    nextStep =
      Number.isNaN(input.nextStepUpdatedAt) ||
      daysBetween(input.nextStepUpdatedAt, ctx.asOf) <= NEXT_STEP_FRESH_DAYS
        ? 1
        : 0.5;
  const tasks = stats.openTasksAhead > 0 ? 1 : stats.openTasksOverdue > 0 ? 0.25 : 0;
  const sub = 0.45 * meet + 0.25 * multi + 0.15 * nextStep + 0.15 * tasks;
  let evidence: string;
  if (hasMeeting)
    evidence = `Meeting booked in ${plural(inDays, 'day')}${
      stats.nextMeetingBuyers > 0 ? ` with ${plural(stats.nextMeetingBuyers, 'buyer attendee')}` : ''
    }`;
  else evidence = 'No meeting scheduled in the next 30 days';
  if (!hasMeeting && stats.openTasksOverdue > 0)
    evidence += `; ${plural(stats.openTasksOverdue, 'task')} overdue`;
  else if (multi === 0 && hasMeeting) evidence += '; no meeting with 2+ buyer attendees lately';
  // Without any logged activity, the absence of a booked meeting says little.
  const conf = stats.total === 0 && !hasMeeting ? 0.2 : 0.8;
  return indicatorResult('joint_planning', hasMeeting ? inDays : null, sub, conf, evidence);
};
