// Issue 18 items 6 and 2: the report page as a working view, tested in headless Chromium. The
// oracles come from outside the page: the scores the score step stored, the sandbox portal's id
// (HubSpot record pages live at https://app.hubspot.com/contacts/<portalId>/record/0-3/<dealId>,
// 0-3 being the deals object type id; the host is the account-info API's `uiDomain`), the elements
// API (GET /tenants/:id/elements), and what the browser itself saw (requests, download, layout).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminService } from '../../../src/cli/commands/admin.command.ts';
import type { HealthResult } from '../../../src/domain/index.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { until } from '../../support/until.ts';
import { adminCaller, type Json, startTestAdminService } from './admin-service-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'view-admin-token-0123456789abcdef';
const WEEK = 7 * 86_400_000;
const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../test-results');
const hasChromium = existsSync(CHROMIUM);

interface TableRow {
  id: string;
  cells: string[];
  href: string | null;
}

/** The open-deals table rows the user can see (filtered rows are hidden, not removed). */
function visibleRows(page: Page): Promise<TableRow[]> {
  return page.$$eval('#deals-body tr', (trs) =>
    trs
      .filter((tr) => !(tr as unknown as { hidden: boolean }).hidden)
      .map((tr) => ({
        id: tr.getAttribute('data-deal') ?? '',
        cells: Array.from(tr.querySelectorAll('td') as ArrayLike<{ textContent: string | null }>).map((td) =>
          (td.textContent ?? '').trim(),
        ),
        href: tr.querySelector('a')?.getAttribute('href') ?? null,
      })),
  );
}

describe.skipIf(!hasChromium)('report page as a working view (headless Chromium)', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let service: AdminService;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await startHubSpotSandbox({ seed: 21, deals: 50 });
    service = await startTestAdminService({ redis, tokens: [TOKEN], concurrency: 2 });
    profile = mkdtempSync(join(tmpdir(), 'ph-chromium-view-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await service?.close();
    await sandbox?.close();
    await redis?.close();
  });

  const api = adminCaller(() => service.url, TOKEN);

  it('shows open deals, filters, CSV, watch list, elements and trend, loopback only, readable at 390 px', async () => {
    const created = await api('POST', '/tenants', {
      id: 'view',
      name: 'View Co',
      schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
      connection: {
        crm: 'hubspot',
        basePath: sandbox.baseUrl,
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
      },
    });
    expect(created.status).toBe(201);
    const runId = (await api('POST', '/tenants/view/runs', {})).json?.runId as string;
    let status = '';
    await until(async () => {
      status = String((await api('GET', `/tenants/view/runs/${runId}`)).json?.status);
      return status === 'completed' || status === 'failed';
    }, 'the run to finish');
    expect(status).toBe('completed');

    // The stored scores are the oracle. Put a few deals in each band so every section has rows
    // (saved at the same asOf: no history is added, the tenant stays "fresh").
    const store = service.runtime.deps.store('view');
    const stored: HealthResult[] = [];
    for await (const chunk of store.results.iterateResults()) stored.push(...chunk);
    expect(stored.length).toBeGreaterThan(10);
    const results = stored.map((r, i) =>
      i < 3
        ? { ...r, score: 10 + i, band: 'at_risk' as const, reasons: [`No buyer reply in ${30 + i} days`] }
        : i < 7
          ? { ...r, score: 50 + i, band: 'watch' as const, reasons: [`Close date pushed ${i} times`] }
          : r,
    );
    await store.results.saveResults(results);
    const byId = new Map(results.map((r) => [r.dealId, r]));

    // The API of the table: every open deal with its score.
    const dealsAnswer = await api('GET', '/tenants/view/deals');
    expect(dealsAnswer.status).toBe(200);
    const apiDeals = dealsAnswer.json?.deals as Json[];
    expect(apiDeals.map((d) => d.dealId).sort()).toEqual([...byId.keys()].sort());
    for (const d of apiDeals) {
      const r = byId.get(d.dealId)!;
      expect(d.score).toBe(r.score);
      expect(d.band).toBe(r.band);
      expect(d.topReason).toBe(r.reasons[0] ?? null);
      expect(d.recordUrl).toBe(`https://app.hubspot.com/contacts/${sandbox.portalId}/record/0-3/${d.dealId}`);
    }
    // The sandbox account's company currency (account-info `companyCurrency`).
    expect(dealsAnswer.json?.currency).toBe('USD');

    const page = await context.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${service.url}/report/view?token=${TOKEN}`, { timeout: 30_000 });
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });

    // Sections present.
    for (const id of ['deals', 'watch-list', 'at-risk', 'elements', 'trend', 'forecast', 'changes']) {
      expect(await page.locator(`section#${id}`).count(), id).toBe(1);
    }

    // The table: one row per open deal, numbers equal to the stored scores.
    const money = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      maximumFractionDigits: 0,
    });
    const all = await visibleRows(page);
    expect(all.map((r) => r.id).sort()).toEqual([...byId.keys()].sort());
    const headers = (await page.locator('#deals thead th').allTextContents()).map((t) => t.trim());
    expect(headers).toEqual([
      'Deal',
      'Owner',
      'Stage',
      'Amount',
      'Close date',
      'Score',
      'Band',
      'Top reason',
    ]);
    for (const row of all) {
      const d = apiDeals.find((x) => x.dealId === row.id)!;
      const r = byId.get(row.id)!;
      expect(row.cells[0]).toBe(d.name);
      expect(row.href).toBe(d.recordUrl);
      expect(row.cells[1]).toBe(d.owner ?? '-');
      expect(row.cells[3]).toBe(d.amount === null ? '-' : money.format(d.amount));
      expect(row.cells[4]).toBe(d.closeDate ?? '-');
      expect(row.cells[5]).toBe(String(Math.round(r.score)));
      expect(row.cells[6]).toBe(r.band.replace('_', ' '));
      expect(row.cells[7]).toBe(r.reasons[0] ?? '-');
    }

    // CSV export of the filtered table: the downloaded file holds the same rows in the same order.
    const expectCsvEqualsTable = async (shown: TableRow[]) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-export')]);
      const csv = parse(readFileSync(await download.path(), 'utf8'), { columns: true, bom: true }) as Record<
        string,
        string
      >[];
      expect(csv.map((c) => c['Deal ID'])).toEqual(shown.map((r) => r.id));
      csv.forEach((c, i) => {
        const row = shown[i]!;
        expect([
          c.Deal,
          c.Owner,
          c.Stage,
          c['Close date'] || '-',
          c.Score,
          c.Band,
          c['Top reason'] || '-',
        ]).toEqual([
          row.cells[0],
          row.cells[1],
          row.cells[2],
          row.cells[4],
          row.cells[5],
          row.cells[6],
          row.cells[7],
        ]);
        expect(c.Amount === '' ? '-' : money.format(Number(c.Amount))).toBe(row.cells[3]);
        expect(c.Currency).toBe('USD');
        expect(c['Record link']).toBe(row.href);
      });
    };

    // Filter by owner, then by band too: the visible rows are exactly the API's matching deals.
    const owners = [...new Set(apiDeals.map((d) => d.ownerId).filter((o) => o !== null))] as string[];
    expect(owners.length).toBeGreaterThan(1);
    const owner = owners.find((o) => apiDeals.some((d) => d.ownerId === o && d.band !== 'at_risk'))!;
    await page.selectOption('#filter-owner', owner);
    const ownerRows = await visibleRows(page);
    expect(ownerRows.map((r) => r.id).sort()).toEqual(
      apiDeals
        .filter((d) => d.ownerId === owner)
        .map((d) => d.dealId)
        .sort(),
    );
    expect(ownerRows.length).toBeLessThan(all.length);
    expect(ownerRows.length).toBeGreaterThan(1);
    await expectCsvEqualsTable(ownerRows);
    const band = apiDeals.find((d) => d.ownerId === owner)!.band as string;
    await page.selectOption('#filter-band', band);
    const filtered = await visibleRows(page);
    expect(filtered.map((r) => r.id).sort()).toEqual(
      apiDeals
        .filter((d) => d.ownerId === owner && d.band === band)
        .map((d) => d.dealId)
        .sort(),
    );
    expect(await page.locator('#deals-count').textContent()).toContain(`${filtered.length} of ${all.length}`);
    await expectCsvEqualsTable(filtered);

    await page.selectOption('#filter-owner', '');
    await page.selectOption('#filter-band', '');
    expect((await visibleRows(page)).length).toBe(all.length);

    // The watch list and the at-risk deals, each exactly the stored deals in that band.
    const listed = (selector: string) =>
      page.$$eval(selector, (trs) => trs.map((tr) => tr.getAttribute('data-deal')));
    expect((await listed('#watch-body tr')).sort()).toEqual(
      results
        .filter((r) => r.band === 'watch')
        .map((r) => r.dealId)
        .sort(),
    );
    expect((await listed('#at-risk-body tr')).sort()).toEqual(
      results
        .filter((r) => r.band === 'at_risk')
        .map((r) => r.dealId)
        .sort(),
    );

    // Elements x owners: every cell is the API's weak share, and the notes are the API's.
    const elements = (await api('GET', '/tenants/view/elements')).json as Json;
    const elementRows = elements.owners as Json[];
    expect(elementRows.length).toBeGreaterThan(0);
    expect(await page.locator('#elements-body tr[data-owner]').count()).toBe(elementRows.length);
    for (const row of [...elementRows, elements.team as Json]) {
      const selector = row.team
        ? '#elements-body tr[data-team]'
        : `#elements-body tr[data-owner="${row.ownerId ?? ''}"]`;
      const cells = (await page.locator(`${selector} td`).allTextContents()).map((t) => t.trim());
      const expected = [
        row.team ? 'Team' : (row.owner ?? 'No owner'),
        String(row.openDeals),
        ...(elements.elements as Json[]).map((e) => `${Math.round(row.elements[e.key].weakShare * 100)}%`),
      ];
      expect(cells).toEqual(expected);
    }
    const notes = (await page.locator('#elements-notes li').allTextContents()).map((t) => t.trim());
    const apiNotes = elementRows.flatMap((r) =>
      (r.notes as string[]).map((n) => `${r.owner ?? 'No owner'}: ${n}`),
    );
    expect(notes).toEqual(apiNotes);

    // A fresh tenant: one scoring, no weekly history.
    expect(await page.locator('#trend-note').textContent()).toContain('not enough history yet');

    // Nothing leaves loopback: every request the page made went to the admin server.
    expect(requested.length).toBeGreaterThan(1);
    for (const url of requested) expect(new URL(url).host, url).toBe(new URL(service.url).host);
    expect(problems).toEqual([]);

    // The CSV and the deals API need the same credentials as the page.
    expect((await fetch(`${service.url}/report/view/deals.csv`)).status).toBe(401);
    expect((await api('GET', '/tenants/view/deals', undefined, null)).status).toBe(401);
    const link = await api('POST', '/tenants/view/report-links', { minutes: 5 });
    expect(link.status).toBe(201);
    const opened = await fetch(`${service.url}${link.json?.url}`, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    const viewCookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
    const viaLink = await fetch(`${service.url}/report/view/deals.csv`, { headers: { cookie: viewCookie } });
    expect(viaLink.status).toBe(200);
    expect(viaLink.headers.get('content-disposition')).toContain('attachment');
    expect(parse(await viaLink.text(), { columns: true, bom: true }).length).toBe(all.length);
    // A report link opens its own tenant's export only.
    expect(
      (await fetch(`${service.url}/report/other/deals.csv`, { headers: { cookie: viewCookie } })).status,
    ).toBe(403);

    // Readable on a phone: at 390 px nothing scrolls sideways and the table's rows are there.
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    phone.on('request', (r) => requested.push(r.url()));
    await phone.goto(`${service.url}/report/view`, { timeout: 30_000 });
    await phone.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
    const widths = await phone.evaluate(() => {
      const d = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } };
        }
      ).document;
      return { scroll: d.documentElement.scrollWidth, client: d.documentElement.clientWidth };
    });
    expect(widths.scroll).toBeLessThanOrEqual(390);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await phone.screenshot({ path: join(SCREENSHOT_DIR, 'admin-report-phone.png'), fullPage: true });
    expect((await visibleRows(phone)).length).toBe(all.length);
    expect(await phone.locator('#filter-owner').isVisible()).toBe(true);
    expect(await phone.locator('#csv-export').isVisible()).toBe(true);
    for (const url of requested) expect(new URL(url).host, url).toBe(new URL(service.url).host);

    // With weekly history the trend is drawn and the note is gone.
    for (let k = 3; k >= 1; k--) {
      await store.results.saveResults(
        results.map((r) => ({ ...r, asOf: new Date(Date.parse(r.asOf) - k * WEEK).toISOString() })),
      );
    }
    await store.results.saveResults(results);
    await phone.reload();
    await phone.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
    expect((await phone.locator('#trend-note').textContent())?.trim()).toBe('');
    await phone.close();
    await page.close();
  });
});
