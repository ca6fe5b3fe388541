import { randomUUID } from 'node:crypto';
import { localWeekPosition } from '../src/domain/index.ts';
import { digestMessage, type WhatChangedDocument } from '../src/scoring/index.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type DigestOutcome, deliverDigest } from './digest-delivery.ts';
import { type JobDefinition, requireTenant } from './job-definition.ts';

export interface DigestSummary {
  /** off: no digest configured; not_due: before the week's send time; no_changes: this run stored no
   *  what-changed document; secret_missing: the signing secret's variable is unset; ran: sent or tried. */
  status: 'off' | 'not_due' | 'no_changes' | 'secret_missing' | 'ran';
  week: string | null;
  outcomes: Record<DigestOutcome, number>;
}

/**
 * The weekly "what changed" digest (docs/DIGEST.md), a cycle step after the alerts: from the
 * week's send time on, each run sends the team's digest and each changed owner's, at most once per
 * recipient and ISO week (the tenant's time zone). Webhook failures never fail the run: they are
 * retried with backoff within the step and, past retry.maxDelayMs, by the next runs of the week.
 */
export const digestJob: JobDefinition<CyclePayload, DigestSummary> = {
  name: 'digest',
  payload: CyclePayloadSchema,
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 2_000 } },
  async process(job, payload, deps, signal) {
    const tenant = await requireTenant(deps, payload.tenantId);
    const outcomes: Record<DigestOutcome, number> = {
      delivered: 0,
      already: 0,
      deferred: 0,
      failed: 0,
      unknown: 0,
    };
    const config = tenant.digest;
    if (config === undefined || !config.enabled) return { status: 'off', week: null, outcomes };
    const asOf = Date.parse(payload.asOf);
    const pos = localWeekPosition(asOf, tenant.timezone);
    const due =
      pos.weekday > config.sendFrom.weekday ||
      (pos.weekday === config.sendFrom.weekday && pos.hour >= config.sendFrom.hour);
    if (!due) return { status: 'not_due', week: pos.week, outcomes };
    const store = deps.store(tenant.id);
    const doc = await store.documents.getJson<WhatChangedDocument>('whatChanged');
    if (doc === null || Date.parse(doc.asOf) !== asOf)
      return { status: 'no_changes', week: pos.week, outcomes };
    const secret = process.env[config.signingSecretEnv];
    if (secret === undefined || secret === '') {
      // The variable's name is not a secret; its value never reaches a log.
      deps.logger.warn(
        { tenantId: tenant.id, field: 'digest.signingSecretEnv', variable: config.signingSecretEnv },
        'digest not sent: the signing secret variable is not set',
      );
      return { status: 'secret_missing', week: pos.week, outcomes };
    }
    const groups = config.owners ? doc.groups : doc.groups.filter((g) => g.ownerId === null);
    const digests = deps.store(tenant.id).digests;
    const holder = `${job.id ?? 'job'}:${randomUUID()}`;
    for (const group of groups) {
      const recipient = group.ownerId === null ? 'team' : `owner:${group.ownerId}`;
      const outcome = await deliverDigest({
        store: digests,
        url: config.webhookUrl,
        secret,
        deliveryId: `${tenant.id}.${pos.week}.${recipient}`,
        week: pos.week,
        recipient,
        body: JSON.stringify(digestMessage(tenant.id, pos.week, doc, group)),
        retry: config.retry,
        holder,
        now: deps.now,
        signal,
      });
      outcomes[outcome] += 1;
    }
    await digests.prune();
    return { status: 'ran', week: pos.week, outcomes };
  },
};
