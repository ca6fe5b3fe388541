import type { Deal } from '../../src/domain/index.ts';
import { dealUnchanged } from '../shared/deal-unchanged.ts';
import { type RawObject, type StageIndex, mapDeal } from './hubspot-records.ts';

/** HubSpot's calculated count of a deal's contacts, recounted on every association change. */
const CONTACT_COUNT_PROPERTY = 'num_associated_contacts';

/**
 * Whether a deal record read again by an incremental pull (with `DEAL_PROPERTIES` and
 * `DEAL_HISTORY_PROPERTIES`) shows nothing new since the stored deal was read, so that its
 * associations, activities, contacts and company need not be read again. Our own write-back moves
 * `hs_lastmodifieddate` without changing anything a `Deal` holds; that is the case this is for.
 *
 * The record carries no associations, so the stored deal's contacts and company stand in for
 * them, and the contacts are checked through `num_associated_contacts`: HubSpot recounts it when a
 * contact is associated or removed, which adds a property version. The count must equal the stored
 * contacts and no version may be newer than the stored read (adding one contact and removing
 * another keeps the count). Without the property or its history nothing is assumed: unchanged
 * only when that is certain. Not visible here, so not detected: a changed association label
 * (contact role) or company association; an incremental pull never saw those on deals it did not
 * re-read anyway (docs/CONNECTORS.md).
 */
export function knownDealUnchanged(
  raw: RawObject,
  stored: Deal,
  stages: StageIndex,
  extraProperties: readonly string[],
): boolean {
  const count = raw.properties[CONTACT_COUNT_PROPERTY];
  const versions = raw.propertiesWithHistory?.[CONTACT_COUNT_PROPERTY];
  if (count === undefined || count === null || count === '' || versions === undefined) return false;
  if (Number(count) !== stored.contacts.length) return false;
  const readAt = Date.parse(stored.updatedAt);
  if (versions.some((v) => !(Date.parse(v.timestamp) <= readAt))) return false;
  let fresh: Deal;
  try {
    fresh = mapDeal(raw, stages, { contacts: stored.contacts, accountId: stored.accountId }, extraProperties);
  } catch {
    return false; // a record we cannot map is quarantined by the full read
  }
  return dealUnchanged(fresh, stored);
}
