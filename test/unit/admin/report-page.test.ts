import { describe, expect, it } from 'vitest';
import type { ReportData } from '../../../src/admin/report/report-data.ts';
import { CHART_JS_PATH, renderReportPage } from '../../../src/admin/report/report-page.ts';

const evil = '</script><script>alert(1)</script>';

function data(): ReportData {
  return {
    tenantId: 'acme',
    tenantName: `Acme ${evil}`,
    asOf: '2026-11-20T02:00:00.000Z',
    dealsScored: 1,
    bands: { healthy: 0, watch: 0, at_risk: 1 },
    distribution: { labels: ['0-9'], healthy: [0], watch: [0], at_risk: [1] },
    period: { start: '2026-10-01', end: '2026-12-31' },
    coverage: [],
    currency: 'EUR',
    deals: [
      {
        dealId: 'd1',
        name: `Deal ${evil}`,
        ownerId: null,
        owner: null,
        stage: `Stage ${evil}`,
        amount: 10,
        currency: 'EUR',
        closeDate: null,
        score: 5,
        band: 'at_risk',
        topReason: `reason ${evil}`,
        recordUrl: null,
      },
    ],
    atRisk: [
      {
        dealId: 'd1',
        name: `Deal ${evil}`,
        score: 5,
        owner: null,
        reasons: [`reason ${evil}`],
        recordUrl: null,
      },
    ],
    watch: [],
    elements: null,
    trend: [{ label: 'now', averageScore: 5, deals: 1 }],
    trendHasHistory: false,
    forecast: null,
    live: null,
    changes: null,
  };
}

describe('report page', () => {
  it('cannot be broken out of by CRM or tenant text', () => {
    const html = renderReportPage(data(), 'n0nce');
    expect(html).not.toContain(evil);
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html).toContain('Acme &#60;/script&#62;');
    // The embedded JSON still carries the exact text (escaped for the script element only).
    const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)?.[1];
    expect((JSON.parse(json!) as ReportData).atRisk[0]?.name).toBe(`Deal ${evil}`);
  });

  it('loads chart.js from the server and runs only the nonced inline script', () => {
    const html = renderReportPage(data(), 'n0nce');
    expect(html).toContain(`<script src="${CHART_JS_PATH}"></script>`);
    expect(html).toContain('<script nonce="n0nce">');
    expect(html).not.toMatch(/https?:\/\//);
  });
});
