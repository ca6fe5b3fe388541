import { CronExpressionParser } from 'cron-parser';
import cronstrue from 'cronstrue';
import type { Tenant } from '../domain/index.ts';

export interface ScheduleView {
  nightly: string;
  timezone: string;
  incrementalEveryMinutes: number;
  /** Plain language, e.g. "At 02:00 AM (Europe/Brussels)". */
  description: string;
  incrementalDescription: string;
  /** The next five nightly runs as UTC ISO instants, computed in the tenant's time zone. */
  nextRuns: string[];
}

export function nextRuns(cron: string, timezone: string, from: number, count = 5): string[] {
  const expr = CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(from) });
  return expr.take(count).map((d) => d.toDate().toISOString());
}

export function describeSchedule(tenant: Tenant, now: number): ScheduleView {
  const { nightly, incrementalEveryMinutes } = tenant.schedule;
  return {
    nightly,
    timezone: tenant.timezone,
    incrementalEveryMinutes,
    description: `${cronstrue.toString(nightly, { use24HourTimeFormat: true })} (${tenant.timezone})`,
    incrementalDescription:
      incrementalEveryMinutes === 0
        ? 'Incremental sync is off'
        : `Incremental sync every ${incrementalEveryMinutes} minute${incrementalEveryMinutes === 1 ? '' : 's'}`,
    nextRuns: nextRuns(nightly, tenant.timezone, now),
  };
}
