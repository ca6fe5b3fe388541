import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminService } from '../../../src/cli/commands/admin.command.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { adminCaller, startTestAdminService } from './admin-service-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-admin-token-Zq8wX2mN7vR4tY6uP1sK';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`browser auth test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

/** What the browser sent and received, to check no token travels in a URL or a Referer. */
interface Traffic {
  urls: string[];
  referers: string[];
  problems: string[];
}

function watch(page: Page): Traffic {
  const traffic: Traffic = { urls: [], referers: [], problems: [] };
  page.on('request', (r) => {
    traffic.urls.push(r.url());
    const referer = r.headers().referer;
    if (referer !== undefined) traffic.referers.push(referer);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') traffic.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => traffic.problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) traffic.problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return traffic;
}

/** Issue 17 item 4, in a real browser: report links and the ?token= cookie exchange. */
describe.skipIf(!hasChromium)('report links and browser sessions in headless Chromium', () => {
  let redis: RedisEndpoint;
  let service: AdminService;
  let context: BrowserContext;
  let profile: string;
  const call = adminCaller(() => service.url, TOKEN);

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    service = await startTestAdminService({ redis, tokens: [TOKEN], workers: false });
    const created = await call('POST', '/tenants', {
      id: 'acme',
      name: 'Acme',
      schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
      connection: {
        crm: 'hubspot',
        basePath: 'http://127.0.0.1:9/hubspot',
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: 'pat-unused' },
      },
    });
    expect(created.status).toBe(201);
    profile = mkdtempSync(join(tmpdir(), 'ph-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
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
    await redis?.close();
  });

  it('opens a report link: the view token is swapped for a cookie and leaves the address bar', async () => {
    const { url } = (await call('POST', '/tenants/acme/report-links', { minutes: 15 })).json as {
      url: string;
    };
    const page = await context.newPage();
    const traffic = watch(page);
    const response = await page.goto(`${service.url}${url}`, { timeout: 30_000 });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
    expect(page.url()).toBe(`${service.url}/report/acme`);
    expect(await page.locator('h1').textContent()).toBe('Pipeline health: Acme');
    // The page's own request (chart.js) went through on the view cookie, with no token in it.
    const viewToken = url.split('view=')[1]!;
    expect(traffic.urls.filter((u) => u.includes('chart.umd')).length).toBe(1);
    expect(traffic.urls.slice(1).some((u) => u.includes(viewToken))).toBe(false);
    expect(traffic.referers.some((r) => r.includes(viewToken))).toBe(false);
    expect(traffic.problems).toEqual([]);
    // The cookie opens this report only, never the API.
    const api = await page.goto(`${service.url}/tenants/acme`);
    expect(api?.status()).toBe(401);
    await page.close();
  });

  it('swaps ?token= for a session cookie on /docs (Swagger UI works), then logs out', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    const response = await page.goto(`${service.url}/docs?token=${TOKEN}`, { timeout: 30_000 });
    expect(response?.status()).toBe(200);
    expect(page.url()).not.toContain(TOKEN);
    // Swagger UI loaded the OpenAPI document through the session cookie and drew it.
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('pipeline-health');
    expect(traffic.urls.slice(1).some((u) => u.includes(TOKEN))).toBe(false);
    expect(traffic.referers.some((r) => r.includes(TOKEN))).toBe(false);
    expect(traffic.problems).toEqual([]);

    const cookies = await context.cookies(service.url);
    const session = cookies.find((c) => c.name === 'ph_admin_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session?.value).not.toContain(TOKEN);
    expect((await page.goto(`${service.url}/queues`))?.status()).toBe(200);

    expect((await page.goto(`${service.url}/logout`))?.status()).toBe(200);
    expect((await context.cookies(service.url)).find((c) => c.name === 'ph_admin_session')).toBeUndefined();
    expect((await page.goto(`${service.url}/queues`))?.status()).toBe(401);
    await page.close();
  });
});
