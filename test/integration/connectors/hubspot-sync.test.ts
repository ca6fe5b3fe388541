import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import type { CrmConnector, SyncPage } from '../../../connectors/crm-connector.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const logger = createLogger({ level: 'silent' });
const NO_LIMITS = { tenSecondly: null, daily: null, searchPerSecond: null };
let sandbox: HubSpotSandboxHandle | null = null;

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

function connectorFor(
  sb: HubSpotSandboxHandle,
  extra: Partial<Parameters<typeof createHubSpotConnector>[0]> = {},
) {
  return createHubSpotConnector({
    connection: {
      crm: 'hubspot',
      auth: { type: 'private_app', accessToken: sb.accessToken },
      basePath: sb.baseUrl,
      developmentTarget: true,
    },
    logger,
    ...extra,
  });
}

async function drain(connector: CrmConnector, cursor: string | null, maxPages = 1_000): Promise<SyncPage[]> {
  const pages: SyncPage[] = [];
  for await (const page of connector.pull(cursor)) {
    pages.push(page);
    if (pages.length > maxPages) throw new Error('too many pages');
  }
  return pages;
}

async function api(sb: HubSpotSandboxHandle, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sb.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sb.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

describe('HubSpot connector pull against the sandbox', () => {
  it('full sync returns every valid deal once, with history, contacts, companies and activities', async () => {
    sandbox = await startHubSpotSandbox({ seed: 11, deals: 120, rateLimits: NO_LIMITS });
    const connector = connectorFor(sandbox);
    const pages = await drain(connector, null);
    const deals = pages.flatMap((p) => p.deals);
    const quarantined = pages.flatMap((p) => p.quarantined);
    const ids = deals.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);

    const world = sandbox.world;
    const unknownStage = world.deals.filter((d) => d.messy === 'unknown_stage').length;
    expect(deals.length).toBe(world.deals.length - unknownStage);
    // Messy deals with a deleted stage are quarantined with a reason, not dropped or crashed on.
    const quarantinedDeals = quarantined.filter((q) => q.objectType === 'deals');
    expect(quarantinedDeals.length).toBe(unknownStage);
    for (const q of quarantinedDeals) expect(q.reason).toMatch(/stage .* is not in pipeline/);

    // Stage history and close-date changes come from property history, oldest first.
    const byN = new Map(world.deals.map((d) => [d.n, d]));
    for (const deal of deals.slice(0, 30)) {
      const source = byN.get(Number(deal.id) - 30_000_000_000);
      expect(source).toBeDefined();
      expect(deal.stageHistory.map((s) => s.stageId)).toEqual(
        source!.stageHistory.map((s) => s.stageKey).filter((k, i, all) => i === 0 || all[i - 1] !== k),
      );
      expect(deal.closeDateChanges.length).toBe(source!.closeDateHistory.length);
      expect(deal.contacts.map((c) => c.contactId).sort()).toEqual(
        source!.contacts.map((c) => String(10_000_000_000 + c.contactN)).sort(),
      );
    }
    // Every activity belongs to a pulled deal and carries typed fields.
    // (activities of quarantined deals still name their deal: the store keeps them by deal id)
    const dealIds = new Set([...ids, ...quarantinedDeals.map((q) => q.recordId)]);
    const activities = pages.flatMap((p) => p.activities);
    expect(activities.length).toBeGreaterThan(deals.length);
    for (const a of activities) expect(a.dealIds.some((id) => dealIds.has(id))).toBe(true);
    expect(activities.some((a) => a.type === 'email' && a.direction === 'inbound')).toBe(true);
    expect(activities.some((a) => a.type === 'call' && a.durationSeconds !== null)).toBe(true);
    expect(activities.some((a) => a.type === 'meeting' && a.meetingOutcome !== null)).toBe(true);
    expect(pages.flatMap((p) => p.contacts).some((c) => c.title !== null)).toBe(true);
    expect(pages.flatMap((p) => p.accounts).some((a) => a.industry !== null)).toBe(true);
    expect(JSON.parse(pages.at(-1)!.cursor).phase).toBe('done');
  });

  it('incremental sync picks up modified deals, deals with new activities, and archived deals', async () => {
    let now = Date.now();
    sandbox = await startHubSpotSandbox({ seed: 12, deals: 80, rateLimits: NO_LIMITS, clock: () => now });
    const connector = connectorFor(sandbox, { clock: () => now });
    const full = await drain(connector, null);
    const cursor = full.at(-1)!.cursor;
    const all = full.flatMap((p) => p.deals);
    const [changed, touched, archived] = [all[3]!, all[10]!, all[20]!];

    now += 3_600_000; // an hour later: nothing in the lookback window but what we change now
    await api(sandbox, 'PATCH', `/crm/v3/objects/deals/${changed.id}`, {
      properties: { dealname: 'Renamed' },
    });
    await api(sandbox, 'POST', '/crm/v3/objects/notes', {
      properties: { hs_timestamp: new Date(now).toISOString(), hs_note_body: 'Buyer asked for pricing' },
      associations: [
        {
          to: { id: touched.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }],
        },
      ],
    });
    await api(sandbox, 'DELETE', `/crm/v3/objects/deals/${archived.id}`);
    now += 1_000;

    const pages = await drain(connector, cursor);
    const deals = pages.flatMap((p) => p.deals);
    const ids = new Set(deals.map((d) => d.id));
    expect(ids.has(changed.id)).toBe(true);
    expect(deals.find((d) => d.id === changed.id)?.name).toBe('Renamed');
    // The touched deal was not modified itself; its new note brings it back with all its activities.
    expect(ids.has(touched.id)).toBe(true);
    const notes = pages
      .flatMap((p) => p.activities)
      .filter((a) => a.dealIds.includes(touched.id) && a.type === 'note');
    expect(notes.some((n) => n.bodyLength === 'Buyer asked for pricing'.length)).toBe(true);
    expect(pages.flatMap((p) => p.deletedDealIds)).toContain(archived.id);
    // Only what changed came back, not the whole pipeline.
    expect(ids.size).toBeLessThanOrEqual(3);

    // A pull right after with nothing changed returns no deals.
    now += 1_000;
    const again = await drain(connector, pages.at(-1)!.cursor);
    expect(again.flatMap((p) => p.deals).filter((d) => d.id !== changed.id && d.id !== touched.id)).toEqual(
      [],
    );
  });

  it('resumes from a saved cursor after a crash: every deal arrives, nothing is pulled twice', async () => {
    sandbox = await startHubSpotSandbox({ seed: 16, deals: 260, rateLimits: NO_LIMITS });
    const connector = connectorFor(sandbox, { dealsPerPage: 50 });
    const seen: string[] = [];
    let saved: string | null = null;
    // "Crash" after storing two pages: the caller saved the second page's cursor.
    for await (const page of connector.pull(null)) {
      seen.push(...page.deals.map((d) => d.id), ...page.quarantined.map((q) => q.recordId ?? ''));
      saved = page.cursor;
      if (seen.length >= 100) break;
    }
    expect(JSON.parse(saved!).phase).toBe('deals');
    const restarted = connectorFor(sandbox, { dealsPerPage: 50 });
    for await (const page of restarted.pull(saved)) {
      seen.push(...page.deals.map((d) => d.id), ...page.quarantined.map((q) => q.recordId ?? ''));
    }
    expect(seen.length).toBe(sandbox.world.deals.length);
    expect(new Set(seen).size).toBe(sandbox.world.deals.length);
  });

  it('fetches pipelines with closed/won stages, owners with teams, and revenue targets per owner', async () => {
    sandbox = await startHubSpotSandbox({ seed: 17, deals: 20, rateLimits: NO_LIMITS });
    const connector = connectorFor(sandbox);
    const meta = await connector.fetchMetadata();
    expect(meta.pipelines).toHaveLength(sandbox.world.pipelines.length);
    for (const [i, p] of meta.pipelines.entries()) {
      const source = sandbox.world.pipelines[i]!;
      expect(p.stages.map((s) => s.id)).toEqual(source.stages.map((s) => s.key));
      expect(p.stages.map((s) => [s.isClosed, s.isWon])).toEqual(
        source.stages.map((s) => [s.isClosed, s.isWon]),
      );
    }
    expect(meta.owners).toHaveLength(sandbox.world.owners.length);
    expect(meta.owners.every((o) => o.team !== null && o.email !== null)).toBe(true);
    expect(meta.targets).toHaveLength(sandbox.world.targets.length);
    const ownerIds = new Set(meta.owners.map((o) => o.id));
    // Goals name users; each owner target must come back under the owner's id.
    const perOwner = meta.targets.filter((t) => t.ownerId !== null);
    expect(perOwner.length).toBe(sandbox.world.targets.filter((t) => t.ownerN !== null).length);
    expect(perOwner.every((t) => ownerIds.has(t.ownerId!))).toBe(true);
    // account zone, pipelines, current owners, deactivated owners (archived=true), goal targets.
    expect(connector.usage().calls).toBe(5);
  });

  it('pulls only the configured pipelines', async () => {
    sandbox = await startHubSpotSandbox({ seed: 15, deals: 80, rateLimits: NO_LIMITS });
    const all = connectorFor(sandbox);
    const { pipelines } = await all.fetchMetadata();
    expect(pipelines.length).toBeGreaterThan(1);
    const second = pipelines[1]!.id;
    const connector = createHubSpotConnector({
      connection: {
        crm: 'hubspot',
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
        basePath: sandbox.baseUrl,
        developmentTarget: true,
        pipelines: [second],
      },
      logger,
    });
    const deals = (await drain(connector, null)).flatMap((p) => p.deals);
    expect(deals.length).toBeGreaterThan(0);
    expect(deals.every((d) => d.pipelineId === second)).toBe(true);
    const inWorld = sandbox.world.deals.filter(
      (d) => d.pipelineKey === sandbox!.world.pipelines[1]!.key && d.messy !== 'unknown_stage',
    ).length;
    expect(deals.length).toBe(inWorld);
  });

  it('syncs a window holding more than 10,000 deals, including one shared timestamp, without passing the search cap', async () => {
    const world = generateWorld({ seed: 13, deals: 10_150 });
    // Cheap: no activities; and 1,000 deals modified in the same millisecond (a bulk import).
    world.activities = [];
    const bulk = world.deals[5_000]!.updatedAt;
    for (const d of world.deals.slice(4_500, 5_500)) d.updatedAt = bulk;
    sandbox = await startHubSpotSandbox({ world, rateLimits: NO_LIMITS });
    const connector = connectorFor(sandbox);
    const pages = await drain(connector, null);
    const seen = pages.flatMap((p) => [...p.deals.map((d) => d.id), ...p.quarantined.map((q) => q.recordId)]);
    expect(new Set(seen).size).toBe(world.deals.length);
    expect(seen.length).toBe(world.deals.length);
    const searches = sandbox.inspect.calls().filter((c) => c.endpoint.endsWith('/search'));
    expect(searches.every((c) => c.status === 200)).toBe(true);
    // Keyset paging: about one search per 200 deals, plus the re-read of the tie.
    expect(searches.length).toBeLessThanOrEqual(
      Math.ceil(world.deals.length / 200) + Math.ceil(1_000 / 200) + 2,
    );
  }, 120_000);

  it('uses exactly the minimum API calls the page and batch limits allow for a full cycle', async () => {
    sandbox = await startHubSpotSandbox({ seed: 14, deals: 1_500, rateLimits: NO_LIMITS });
    const connector = connectorFor(sandbox);
    await connector.bootstrapSchema();
    const before = connector.usage().calls;
    sandbox.inspect.reset();
    const pages = await drain(connector, null);
    const dealCount = pages.reduce((n, p) => n + p.deals.length, 0);
    const writes = pages
      .flatMap((p) => p.deals)
      .map((d) => ({ dealId: d.id, values: { score: 50, band: 'watch' } }));
    const outcome = await connector.writeHealth(writes);
    expect(outcome.failed).toEqual([]);

    // The minimum, from the counts: 1 pipelines read; one search per 200 deals; then per page
    // (pages hold at most 1,000 deals, the association batch limit, so each association kind is
    // one call per page): deals read with history 50 at a time; 7 deal association reads
    // (contacts, companies, 5 engagement types); per engagement type, reads of 100 and one
    // engagement->contacts association read per 1,000; contacts and companies read 100 at a
    // time. Each page rounds its own batches up: that is the only slack, and it is what bounds
    // a page's size. Write-back: one batch update per 100 deals.
    const read = pages.reduce(
      (n, p) => n + p.deals.length + p.quarantined.filter((q) => q.objectType === 'deals').length,
      0,
    );
    let expected = 1 + Math.max(1, Math.ceil(read / 200)) + Math.ceil(writes.length / 100);
    for (const p of pages) {
      const dealsRead = p.deals.length + p.quarantined.filter((q) => q.objectType === 'deals').length;
      if (dealsRead === 0) continue;
      expected += Math.ceil(dealsRead / 50) + 7;
      for (const type of ['email', 'call', 'meeting', 'note', 'task']) {
        const n = new Set(p.activities.filter((a) => a.type === type).map((a) => a.id)).size;
        if (n > 0) expected += Math.ceil(n / 100) + Math.ceil(n / 1_000);
      }
      if (p.contacts.length > 0) expected += Math.ceil(p.contacts.length / 100);
      if (p.accounts.length > 0) expected += Math.ceil(p.accounts.length / 100);
    }
    expect(dealCount).toBeGreaterThan(1_000);
    expect(connector.usage().calls - before).toBe(expected);
    expect(sandbox.inspect.calls().length).toBe(expected);
  }, 120_000);
});
