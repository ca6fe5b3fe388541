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

  function cell(tr, value) {
    var td = document.createElement('td');
    td.textContent = value;
    tr.appendChild(td);
    return td;
  }
  // The deal's name, linked to its record in the CRM when the account's address is known.
  function dealCell(tr, name, url) {
    var td = cell(tr, url ? '' : name);
    if (url) {
      var a = document.createElement('a');
      a.setAttribute('href', url);
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
      a.textContent = name;
      td.appendChild(a);
    }
    return td;
  }
  function amount(value, currency) {
    if (value === null) return '-';
    if (currency) {
      try {
        return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency, maximumFractionDigits: 0 }).format(value);
      } catch (e) { /* not an ISO code this browser knows: plain number */ }
    }
    return Math.round(value).toLocaleString('en-US');
  }
  function bandLabel(band) { return band.replace('_', ' '); }

  // The at-risk and watch lists.
  function dealList(bodyId, emptyId, list, emptyText) {
    var body = document.getElementById(bodyId);
    list.forEach(function (deal) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-deal', deal.dealId);
      dealCell(tr, deal.name, deal.recordUrl);
      cell(tr, String(Math.round(deal.score)));
      cell(tr, deal.owner || '-');
      cell(tr, deal.reasons.join(' · '));
      body.appendChild(tr);
    });
    if (list.length === 0) text(emptyId, emptyText);
  }
  dealList('at-risk-body', 'at-risk-empty', data.atRisk, 'No deal is at risk.');
  dealList('watch-body', 'watch-empty', data.watch, 'No deal is on the watch list.');

  // The open deals: every row is built once; the filters hide rows, the CSV link follows them.
  var NO_OWNER = '-';
  var dealsBody = document.getElementById('deals-body');
  var rows = data.deals.map(function (d) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-deal', d.dealId);
    tr.setAttribute('data-owner', d.ownerId === null ? '' : d.ownerId);
    tr.setAttribute('data-band', d.band);
    dealCell(tr, d.name, d.recordUrl);
    cell(tr, d.owner === null ? '-' : d.owner);
    cell(tr, d.stage === null ? '-' : d.stage);
    cell(tr, amount(d.amount, d.currency)).className = 'num';
    cell(tr, d.closeDate === null ? '-' : d.closeDate);
    cell(tr, String(Math.round(d.score))).className = 'num';
    cell(tr, bandLabel(d.band)).className = 'tag ' + d.band;
    cell(tr, d.topReason === null ? '-' : d.topReason);
    dealsBody.appendChild(tr);
    return tr;
  });
  if (rows.length === 0) text('deals-empty', 'No open deal has been scored yet.');
  var ownerSelect = document.getElementById('filter-owner');
  var bandSelect = document.getElementById('filter-band');
  var owners = {};
  data.deals.forEach(function (d) { owners[d.ownerId === null ? NO_OWNER : d.ownerId] = d.owner === null ? '(no owner)' : d.owner; });
  Object.keys(owners).sort(function (a, b) { return owners[a].localeCompare(owners[b]); }).forEach(function (id) {
    var option = document.createElement('option');
    option.value = id;
    option.textContent = owners[id];
    ownerSelect.appendChild(option);
  });
  var csvLink = document.getElementById('csv-export');
  var csvBase = '/report/' + encodeURIComponent(data.tenantId) + '/deals.csv';
  function applyFilters() {
    var owner = ownerSelect.value;
    var band = bandSelect.value;
    var wanted = owner === NO_OWNER ? '' : owner;
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = (owner === '' || tr.getAttribute('data-owner') === wanted) && (band === '' || tr.getAttribute('data-band') === band);
      tr.hidden = !ok;
      if (ok) shown += 1;
    });
    text('deals-count', shown + ' of ' + rows.length + ' open deals');
    var query = [];
    if (owner !== '') query.push('owner=' + encodeURIComponent(wanted));
    if (band !== '') query.push('band=' + encodeURIComponent(band));
    csvLink.setAttribute('href', csvBase + (query.length ? '?' + query.join('&') : ''));
  }
  ownerSelect.addEventListener('change', applyFilters);
  bandSelect.addEventListener('change', applyFilters);
  applyFilters();
  text('currency-note', data.currency
    ? 'Amounts in ' + data.currency + ' (the account currency; a deal in another currency shows its own, not converted).'
    : 'The CRM did not give the account currency: amounts are plain numbers in each deal’s own currency.');

  // The seven survey elements x owners: the share of each owner's open deals weak on each element.
  var el = data.elements;
  if (el) {
    var head = document.getElementById('elements-head');
    el.elements.forEach(function (e) {
      var th = document.createElement('th');
      th.textContent = e.label;
      head.appendChild(th);
    });
    var elBody = document.getElementById('elements-body');
    var notes = document.getElementById('elements-notes');
    el.owners.concat([el.team]).forEach(function (row) {
      var tr = document.createElement('tr');
      if (row.team) tr.setAttribute('data-team', 'true');
      else tr.setAttribute('data-owner', row.ownerId === null ? '' : row.ownerId);
      var label = row.team ? 'Team' : (row.owner === null ? 'No owner' : row.owner);
      cell(tr, label);
      cell(tr, String(row.openDeals)).className = 'num';
      el.elements.forEach(function (e) {
        var share = row.elements[e.key].weakShare;
        var td = cell(tr, Math.round(share * 100) + '%');
        td.className = 'num' + (row.openDeals >= 2 && share >= el.mostShare ? ' weak' : '');
        td.title = row.elements[e.key].weak + ' of ' + row.openDeals + ' open deals weak on ' + e.label;
      });
      elBody.appendChild(tr);
      if (!row.team) row.notes.forEach(function (note) {
        var li = document.createElement('li');
        li.textContent = label + ': ' + note;
        notes.appendChild(li);
      });
    });
  } else {
    text('elements-empty', 'Not counted yet: the next score step counts them.');
  }

  text('trend-note', data.trendHasHistory ? '' : 'Trend: not enough history yet (it starts once there are scores from a week ago).');

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

  // Live accuracy (docs/SCORING.md section 5b): by month of close, and whether the model is served.
  var live = data.live;
  var metric = function (x) { return x === null ? '-' : x.toFixed(3); };
  if (live && live.months.length > 0) {
    var lbody = document.getElementById('live-body');
    live.months.forEach(function (m) {
      var tr = document.createElement('tr');
      [m.month, String(m.deals), String(m.won), metric(m.auc), metric(m.priorAuc), metric(m.brier)].forEach(function (value) {
        var td = document.createElement('td');
        td.textContent = value;
        tr.appendChild(td);
      });
      lbody.appendChild(tr);
    });
  }
  text('live-note', live ? live.reason : 'Not measured yet: the next score step records deals as they close.');
  // What changed since last week (docs/DIGEST.md): per owner and team, and the band changes' reasons.
  var ch = data.changes;
  if (ch) {
    text('changes-period', 'since ' + ch.since.slice(0, 10) + ', quarter ' + ch.period.label);
    var cbody = document.getElementById('changes-body');
    var reasons = document.getElementById('changes-reasons');
    ch.groups.forEach(function (g) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-owner', g.ownerId === null ? 'team' : g.ownerId);
      [['name', g.name], ['movedOut', g.movedOut.count], ['movedOutAmount', money(g.movedOut.amount)],
       ['pushed', g.pushed.count], ['pushedDays', g.pushed.days], ['amountCut', g.amountCut.count],
       ['amountCutAmount', money(g.amountCut.amount)], ['newAtRisk', g.newAtRisk.count],
       ['bandChanges', g.bandChanges.count]].forEach(function (cell) {
        var td = document.createElement('td');
        td.setAttribute('data-k', cell[0]);
        td.textContent = String(cell[1]);
        tr.appendChild(td);
      });
      cbody.appendChild(tr);
      if (g.ownerId === null) {
        g.bandChanges.deals.forEach(function (d) {
          var li = document.createElement('li');
          li.textContent = d.name + ': ' + d.from.replace('_', ' ') + ' to ' + d.to.replace('_', ' ') + (d.reason ? ' (' + d.reason + ')' : '');
          reasons.appendChild(li);
        });
      }
    });
  } else {
    text('changes-empty', 'Not computed yet: the next score step compares with last week.');
  }
  document.body.setAttribute('data-rendered', 'true');
})();
`;

/** The report page: summary, open deals, lists, elements, forecast and charts. `nonce` goes in the CSP header too. */
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
  h1 { margin: 0 0 4px; font-size: 22px; overflow-wrap: anywhere; }
  .muted { color: #616161; font-size: 13px; }
  .bands { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 16px 0; }
  .band { padding: 8px 14px; border-radius: 6px; color: #fff; font-weight: 600; }
  .healthy { background: #2e7d32; } .watch { background: #f9a825; } .at_risk { background: #c62828; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 24px; }
  .card { border: 1px solid #e0e0e0; border-radius: 8px; padding: 12px 16px; min-width: 0; }
  .wide { grid-column: 1 / -1; }
  .card h2 { font-size: 16px; margin: 0 0 8px; }
  .chart { position: relative; height: 280px; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
  td.num { text-align: right; white-space: nowrap; }
  td.tag { white-space: nowrap; color: #fff; font-weight: 600; }
  td.weak { background: #ffcdd2; }
  #deals td:first-child, #at-risk td:first-child, #watch-list td:first-child { min-width: 9em; }
  .filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin: 0 0 8px; }
  select, .button { font: inherit; font-size: 14px; padding: 6px 10px; min-height: 36px; }
  .button { border: 1px solid #1565c0; border-radius: 6px; color: #1565c0; text-decoration: none; display: inline-flex; align-items: center; }
  @media (max-width: 600px) { body { margin: 10px; } .card { padding: 10px; } .grid { gap: 12px; } }
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
  <section class="card wide" id="deals"><h2>Open deals</h2>
    <div class="filters">
      <label>Owner <select id="filter-owner"><option value="">All owners</option></select></label>
      <label>Band <select id="filter-band"><option value="">All bands</option><option value="at_risk">at risk</option><option value="watch">watch</option><option value="healthy">healthy</option></select></label>
      <a id="csv-export" class="button" download href="#">Export CSV</a>
      <span id="deals-count" class="muted"></span>
    </div>
    <div class="scroll"><table><thead><tr><th>Deal</th><th>Owner</th><th>Stage</th><th>Amount</th><th>Close date</th><th>Score</th><th>Band</th><th>Top reason</th></tr></thead><tbody id="deals-body"></tbody></table></div>
    <p id="deals-empty" class="muted"></p>
    <p id="currency-note" class="muted"></p>
  </section>
  <section class="card" id="at-risk"><h2>At-risk deals</h2>
    <div class="scroll"><table><thead><tr><th>Deal</th><th>Score</th><th>Owner</th><th>Reasons</th></tr></thead><tbody id="at-risk-body"></tbody></table></div>
    <p id="at-risk-empty" class="muted"></p>
  </section>
  <section class="card" id="watch-list"><h2>Watch list</h2>
    <div class="scroll"><table><thead><tr><th>Deal</th><th>Score</th><th>Owner</th><th>Reasons</th></tr></thead><tbody id="watch-body"></tbody></table></div>
    <p id="watch-empty" class="muted"></p>
  </section>
  <section class="card wide" id="elements"><h2>The seven elements across the team: share of each owner's open deals weak on each</h2>
    <div class="scroll"><table><thead><tr id="elements-head"><th>Owner</th><th>Open deals</th></tr></thead><tbody id="elements-body"></tbody></table></div>
    <ul id="elements-notes"></ul>
    <p id="elements-empty" class="muted"></p>
  </section>
  <section class="card" id="forecast"><h2>Forecast <span id="forecast-period"></span>: revenue range</h2>
    <div class="scroll"><table><thead><tr><th></th><th>Won</th><th>P10</th><th>P50</th><th>P90</th><th>Target</th><th>Chance of target</th></tr></thead><tbody id="forecast-body"></tbody></table></div>
    <p id="forecast-note" class="muted"></p>
  </section>
  <section class="card" id="live"><h2>Live accuracy: the scores of 30 days before each close</h2>
    <div class="scroll"><table><thead><tr><th>Month closed</th><th>Deals</th><th>Won</th><th>AUC</th><th>Prior AUC</th><th>Brier</th></tr></thead><tbody id="live-body"></tbody></table></div>
    <p id="live-note" class="muted"></p>
  </section>
  <section class="card wide" id="changes"><h2>What changed <span id="changes-period"></span></h2>
    <div class="scroll"><table><thead><tr><th>Owner</th><th>Moved out of quarter</th><th>Amount moved out</th><th>Close dates pushed</th><th>Days pushed</th><th>Amounts cut</th><th>Amount cut</th><th>New at risk</th><th>Band changes</th></tr></thead><tbody id="changes-body"></tbody></table></div>
    <ul id="changes-reasons"></ul>
    <p id="changes-empty" class="muted"></p>
  </section>
  <section class="card" id="distribution"><h2>Score distribution</h2><div class="chart"><canvas id="chart-distribution"></canvas></div></section>
  <section class="card" id="coverage"><h2>Per owner: closed-won + probability-weighted open pipeline against target</h2><div class="chart"><canvas id="chart-coverage"></canvas></div></section>
  <section class="card" id="trend"><h2>Trend over the last weeks</h2><p id="trend-note" class="muted"></p><div class="chart"><canvas id="chart-trend"></canvas></div></section>
</div>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script src="${CHART_JS_PATH}"></script>
<script nonce="${nonce}">${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
