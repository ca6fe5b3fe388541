import type { ReportData } from './report-data.ts';

/** Where the chart.js UMD build is served (from node_modules; the page needs no CDN). */
export const CHART_JS_PATH = '/report/assets/chart.umd.min.js';

/** JSON safe inside a <script> element: no "</script>" or "<!--" can end or confuse it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The client script: draws the charts and fills the at-risk table from the embedded JSON. CRM text
 * (deal names, reasons) only ever goes in through textContent, never as HTML.
 */
const CLIENT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var colours = { healthy: '#2e7d32', watch: '#f9a825', at_risk: '#c62828', target: '#546e7a', line: '#1565c0' };
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  function text(id, value) { document.getElementById(id).textContent = value; }
  text('asof', data.asOf ? 'Scores as of ' + data.asOf.replace('T', ' ').slice(0, 16) + ' UTC' : 'No scores yet');
  text('count-healthy', String(data.bands.healthy));
  text('count-watch', String(data.bands.watch));
  text('count-at_risk', String(data.bands.at_risk));

  new Chart(document.getElementById('chart-distribution'), {
    type: 'bar',
    data: {
      labels: data.distribution.labels,
      datasets: ['at_risk', 'watch', 'healthy'].map(function (band) {
        return { label: band.replace('_', ' '), data: data.distribution[band], backgroundColor: colours[band] };
      }),
    },
    options: { scales: { x: { stacked: true, title: { display: true, text: 'score' } }, y: { stacked: true, title: { display: true, text: 'deals' } } } },
  });

  new Chart(document.getElementById('chart-coverage'), {
    type: 'bar',
    data: {
      labels: data.coverage.map(function (r) { return r.owner; }),
      datasets: [
        { label: 'Closed-won', stack: 'expected', data: data.coverage.map(function (r) { return r.closedWon; }),
          backgroundColor: colours.line },
        { label: 'Weighted open pipeline', stack: 'expected', data: data.coverage.map(function (r) { return r.weightedOpen; }),
          backgroundColor: data.coverage.map(function (r) { return colours[r.band || 'watch']; }) },
        { label: 'Target', data: data.coverage.map(function (r) { return r.target; }), backgroundColor: colours.target },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: { tooltip: { callbacks: { afterLabel: function (ctx) {
        var row = data.coverage[ctx.dataIndex];
        if (row.coverage === null) return 'no target';
        return 'expected ' + Math.round(row.coverage * 100) + '% of target; pipeline coverage ' +
          (row.pipelineCoverage === null ? 'n/a (target met)' : row.pipelineCoverage.toFixed(1) + 'x');
      } } } },
    },
  });

  new Chart(document.getElementById('chart-trend'), {
    type: 'line',
    data: {
      labels: data.trend.map(function (p) { return p.label; }),
      datasets: [{ label: 'Average score', data: data.trend.map(function (p) { return p.averageScore; }),
        borderColor: colours.line, backgroundColor: colours.line, spanGaps: true }],
    },
    options: { scales: { y: { min: 0, max: 100 } } },
  });

  var body = document.getElementById('at-risk-body');
  data.atRisk.forEach(function (deal) {
    var tr = document.createElement('tr');
    [deal.name, String(Math.round(deal.score)), deal.owner || '-', deal.reasons.join(' · ')].forEach(function (value) {
      var td = document.createElement('td');
      td.textContent = value;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  if (data.atRisk.length === 0) text('at-risk-empty', 'No deal is at risk.');

  // The forecast with ranges (docs/FORECAST.md): the current quarter, total, teams and owners.
  var money = function (x) { return x === null ? '-' : Math.round(x).toLocaleString('en-US'); };
  var f = data.forecast;
  if (f) {
    text('forecast-period', f.period.label + ' (' + f.period.start + ' to ' + f.period.end + ')');
    var fbody = document.getElementById('forecast-body');
    f.rows.forEach(function (row) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-level', row.level);
      [row.name, money(row.closedWon), money(row.p10), money(row.p50), money(row.p90), money(row.target),
       row.pReachTarget === null ? '-' : Math.round(row.pReachTarget * 100) + '%'].forEach(function (value) {
        var td = document.createElement('td');
        td.textContent = value;
        tr.appendChild(td);
      });
      fbody.appendChild(tr);
    });
    text('forecast-note', 'Slip ' + Math.round(f.slip.probability * 100) + '% (' + f.slip.basis + '). ' +
      (f.backtest.intervalCoverage === null
        ? 'Backtest: not enough history to replay a past quarter.'
        : 'Backtest: the P10-P90 range held the revenue in ' + f.backtest.held + ' of ' + f.backtest.evaluated + ' past quarters.'));
  } else {
    text('forecast-note', 'No forecast yet: it is computed by the next run.');
  }
  document.body.setAttribute('data-rendered', 'true');
})();
`;

/** The report page: summary, three charts, the forecast and the at-risk table. `nonce` goes in the CSP header too. */
export function renderReportPage(data: ReportData, nonce: string): string {
  const period = data.period ? `${data.period.start} to ${data.period.end}` : 'no period';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pipeline health: ${escapeHtml(data.tenantName)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #212121; }
  h1 { margin: 0 0 4px; font-size: 22px; }
  .muted { color: #616161; font-size: 13px; }
  .bands { display: flex; gap: 16px; margin: 16px 0; }
  .band { padding: 8px 14px; border-radius: 6px; color: #fff; font-weight: 600; }
  .healthy { background: #2e7d32; } .watch { background: #f9a825; } .at_risk { background: #c62828; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 24px; }
  .card { border: 1px solid #e0e0e0; border-radius: 8px; padding: 12px 16px; }
  .card h2 { font-size: 16px; margin: 0 0 8px; }
  .chart { position: relative; height: 280px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
</style>
</head>
<body>
<h1>Pipeline health: ${escapeHtml(data.tenantName)}</h1>
<div class="muted"><span id="asof"></span> · ${data.dealsScored} open deals scored · period ${escapeHtml(period)}</div>
<div class="bands">
  <div class="band healthy">Healthy <span id="count-healthy"></span></div>
  <div class="band watch">Watch <span id="count-watch"></span></div>
  <div class="band at_risk">At risk <span id="count-at_risk"></span></div>
</div>
<div class="grid">
  <section class="card"><h2>Score distribution</h2><div class="chart"><canvas id="chart-distribution"></canvas></div></section>
  <section class="card"><h2>Per owner: closed-won + probability-weighted open pipeline against target</h2><div class="chart"><canvas id="chart-coverage"></canvas></div></section>
  <section class="card"><h2>Trend over the last weeks</h2><div class="chart"><canvas id="chart-trend"></canvas></div></section>
  <section class="card" id="forecast"><h2>Forecast <span id="forecast-period"></span>: revenue range</h2>
    <table><thead><tr><th></th><th>Won</th><th>P10</th><th>P50</th><th>P90</th><th>Target</th><th>Chance of target</th></tr></thead><tbody id="forecast-body"></tbody></table>
    <p id="forecast-note" class="muted"></p>
  </section>
  <section class="card"><h2>At-risk deals</h2>
    <table><thead><tr><th>Deal</th><th>Score</th><th>Owner</th><th>Reasons</th></tr></thead><tbody id="at-risk-body"></tbody></table>
    <p id="at-risk-empty" class="muted"></p>
  </section>
</div>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script src="${CHART_JS_PATH}"></script>
<script nonce="${nonce}">${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
