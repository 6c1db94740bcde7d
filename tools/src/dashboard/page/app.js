// AlphaPulse dashboard page: loads the JSON API (shapes: tools/src/view/shapes.rs), then follows
// /ws, keeping the last cursor and reconnecting with ?since=<cursor>. Plain JS, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const MAX_POINTS = 20000; // per series, oldest dropped first
const MAX_DECISIONS = 200; // aggregator decisions shown
const S = {
  cursor: null, epoch: null, ws: null, updates: 0, reconnects: 0, symbol: null,
  prices: {},            // symbol -> {t: [], p: []} (seconds, last trade price)
  fills: [],             // {t, symbol, side, price}
  pnl: { t: [], eq: [] },
  positions: {}, orders: {}, rejects: {}, alerts: [], rules: [],
  decisions: [], decisionsByOutcome: {}, decisionSeq: 0, fillSeq: 0, // newest first, at most MAX_DECISIONS
  alertEvents: 0, healthEvents: 0, // counted as they arrive on /ws (the browser test reads them)
  charts: {}, dirty: new Set(),
};

// ---- small helpers --------------------------------------------------------------------------
const num = (v, d = 2) => (v === null || v === undefined ? '–' : Number(v).toFixed(d));
function fig(id, value, digits = 2) {
  const e = $(id);
  e.dataset.value = value === null || value === undefined ? '' : String(value);
  e.textContent = typeof value === 'number' ? num(value, digits) : String(value ?? '–');
  e.classList.toggle('neg', typeof value === 'number' && value < 0);
}
function row(cells, attrs = {}) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
  for (const c of cells) {
    const td = document.createElement('td');
    if (c && typeof c === 'object') { td.textContent = c.text; td.dataset.value = c.value; td.dataset.testid = c.id; }
    else td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}
function fillBody(id, rows, empty) {
  const b = $(id);
  const none = row([empty], { class: 'empty' });
  none.firstChild.colSpan = 12; // the whole width
  b.replaceChildren(...(rows.length ? rows : [none]));
}
async function api(path) {
  const r = await fetch(path, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}
function showError(e) { $('error').textContent = String(e && e.message ? e.message : e); }
function mark(...what) { what.forEach((w) => S.dirty.add(w)); }

// ---- state from REST snapshots and WebSocket events -------------------------------------------
function applySummary(s) {
  fig('equity', s.equity); fig('realized-pnl', s.realized_pnl); fig('unrealized-pnl', s.unrealized_pnl);
  fig('cash', s.cash); fig('drawdown', s.drawdown); fig('fills', s.fills, 0);
  $('equity').dataset.raw = s.raw.equity; $('realized-pnl').dataset.raw = s.raw.realized_pnl;
  S.rejects = { ...s.rejected_by_reason };
  mark('rejects');
}
function applyPosition(p) { S.positions[p.symbol] = p; mark('positions'); }
function applyOrder(o) {
  if (o.open) S.orders[o.order_id] = o; else delete S.orders[o.order_id];
  mark('orders');
}
function applyHealth(h) {
  const e = $('health');
  e.className = 'badge ' + h.state;
  fig('health', h.state);
  $('health-reason').textContent = h.reason;
}
function addPrice(symbol, tNs, price) {
  if (price === null || price === undefined) return;
  const s = (S.prices[symbol] ||= { t: [], p: [] });
  const t = tNs / 1e9;
  if (s.t.length && s.t[s.t.length - 1] === t && s.p[s.p.length - 1] === price) return; // a quote, same trade
  s.t.push(t); s.p.push(price);
  if (s.t.length > MAX_POINTS) { s.t.shift(); s.p.shift(); }
  if (!S.symbol) chooseSymbol(symbol);
  if (symbol === S.symbol) { fig('last-price', price); mark('price'); }
}
function addFill(f) {
  if (f.seq <= S.fillSeq) return; // already in the snapshot
  S.fillSeq = f.seq;
  S.fills.push({ t: f.ts_ns / 1e9, symbol: f.symbol, side: f.side, price: f.price });
  if (S.fills.length > MAX_POINTS) S.fills.shift();
  mark('price');
}
function addPnl(p) {
  // uPlot needs ascending times: a point older than the newest (fills are stamped with the market
  // event risk was handling) goes into its place.
  const t = p.ts_ns / 1e9;
  let i = S.pnl.t.length;
  while (i > 0 && S.pnl.t[i - 1] > t) i -= 1;
  S.pnl.t.splice(i, 0, t); S.pnl.eq.splice(i, 0, p.equity);
  if (S.pnl.t.length > MAX_POINTS) { S.pnl.t.shift(); S.pnl.eq.shift(); }
  mark('pnl');
}
function addAlert(a) {
  const i = S.alerts.findIndex((x) => x.id === a.id);
  if (i >= 0) S.alerts[i] = a; else S.alerts.push(a);
  S.alerts.sort((x, y) => y.id - x.id); // newest first
  mark('alerts');
}
function addDecision(d) {
  if (d.seq <= S.decisionSeq) return; // already in the snapshot
  S.decisionSeq = d.seq;
  S.decisions.unshift(d);
  if (S.decisions.length > MAX_DECISIONS) S.decisions.pop();
  S.decisionsByOutcome[d.outcome] = d.total_for_outcome;
  mark('decisions');
}
function applyDecisions(list) {
  S.decisions = list.decisions.slice(0, MAX_DECISIONS);
  S.decisionSeq = list.decisions.length ? list.decisions[0].seq : 0;
  S.decisionsByOutcome = { ...list.by_outcome };
  mark('decisions');
}
function applyAlerts(list) {
  S.alerts = []; (list.alerts || []).forEach(addAlert);
  S.rules = list.rules || [];
  mark('alerts');
}

// One WebSocket event (shapes::WsEvent).
function onEvent(ev) {
  const d = ev.data;
  switch (ev.type) {
    case 'price': addPrice(d.symbol, d.trade_ts_ns ?? ev.ts_ns, d.last ?? d.mid); break;
    case 'fill': addFill(d); refreshSummary(); break;
    case 'pnl': addPnl(d); refreshSummary(); break;
    case 'position': applyPosition(d); break;
    case 'order': applyOrder(d); refreshSummary(); break;
    case 'reject': S.rejects[d.reason] = d.total_for_reason; mark('rejects'); break;
    case 'decision': addDecision(d); break;
    case 'alert': S.alertEvents += 1; addAlert(d); refreshAlerts(); break;
    case 'health': S.healthEvents += 1; applyHealth(d); break;
    default: break;
  }
}

// ---- loading ------------------------------------------------------------------------------------
let summaryTimer = null;
function refreshSummary() {
  // Figures derived server-side (equity, drawdown): refetched, at most 4 times a second, with the
  // open orders and positions (the events keep them live; the refetch repairs an order closed
  // between the first snapshots and the socket's cursor, which would otherwise stay open here).
  if (summaryTimer) return;
  summaryTimer = setTimeout(async () => {
    summaryTimer = null;
    try {
      const [sum, ords, pos] = await Promise.all([api('/api/portfolio/summary'),
        api('/api/exchange/orders?status=open'), api('/api/portfolio/positions')]);
      applySummary(sum);
      S.orders = {}; ords.orders.forEach(applyOrder); mark('orders');
      S.positions = {}; pos.positions.forEach(applyPosition);
    } catch (e) { showError(e); }
  }, 250);
}
let alertsTimer = null;
function refreshAlerts() {
  // The alert itself came with the event; the rules' counts (and any alert whose event came
  // before the snapshot's cursor) are refetched, at most 4 times a second.
  if (alertsTimer) return;
  alertsTimer = setTimeout(async () => {
    alertsTimer = null;
    try { applyAlerts(await api('/api/alerts')); } catch (e) { showError(e); }
  }, 250);
}
async function loadSnapshots() {
  const [sum, pos, ords, perf, status, metrics, prices, alerts] = await Promise.all([
    api('/api/portfolio/summary'), api('/api/portfolio/positions'),
    api('/api/exchange/orders?status=open'), api('/api/portfolio/performance'),
    api('/api/system/status'), api('/api/system/metrics'), api('/api/market/prices'),
    api('/api/alerts').catch(() => ({ alerts: [] })),
  ]);
  // After the status (its cursor): these snapshots hold every fill and decision up to the cursor,
  // and the events after it that they already hold are skipped by their `seq`.
  const [fills, decisions] = await Promise.all([api('/api/exchange/fills?limit=5000'),
    api(`/api/strategy/decisions?limit=${MAX_DECISIONS}`)]);
  applyDecisions(decisions);
  applySummary(sum);
  S.positions = {}; pos.positions.forEach(applyPosition);
  S.orders = {}; ords.orders.forEach(applyOrder);
  S.pnl = { t: [], eq: [] }; perf.points.forEach(addPnl);
  applyHealth(status.health);
  S.fills = []; S.fillSeq = 0; fills.fills.slice().reverse().forEach(addFill);
  applyAlerts(alerts);
  renderLatency(metrics.latency || []);
  const sel = $('symbol');
  sel.replaceChildren(...status.symbols.map((s) => new Option(s, s)));
  for (const p of prices.prices) {
    if (!S.symbol) chooseSymbol(p.symbol);
    if (p.symbol === S.symbol) fig('last-price', p.last ?? p.mid);
  }
  await loadHistory();
  S.cursor = status.cursor; S.epoch = status.epoch;
  $('cursor').textContent = S.cursor;
}
async function loadHistory() {
  if (!S.symbol) return;
  const h = await api(`/api/market/history?symbol=${encodeURIComponent(S.symbol)}&interval=1s`)
    .catch(() => api(`/api/market/history?symbol=${encodeURIComponent(S.symbol)}&interval=1m`));
  S.prices[S.symbol] = { t: h.bars.map((b) => b.close_ts_ns / 1e9), p: h.bars.map((b) => b.close) };
  mark('price');
}
function chooseSymbol(s) { S.symbol = s; $('symbol').value = s; mark('price'); }

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const since = S.cursor === null ? '' : `?since=${S.cursor}`;
  const ws = new WebSocket(`${proto}//${location.host}/ws${since}`);
  S.ws = ws;
  ws.onopen = () => { $('ws-state').textContent = 'live'; };
  ws.onmessage = async (m) => {
    const ev = JSON.parse(m.data);
    if (ev.type === 'hello') {
      // Another server epoch or a cursor too old: the snapshots are refetched, events follow.
      if (!ev.resumed && S.cursor !== null) await loadSnapshots().catch(showError);
      S.epoch = ev.epoch;
      refreshAlerts();
      return;
    }
    if (S.cursor !== null && ev.cursor <= S.cursor) return; // already in the snapshot
    onEvent(ev);
    S.cursor = ev.cursor; S.updates += 1;
    $('cursor').textContent = S.cursor; $('ws-count').textContent = S.updates;
  };
  ws.onclose = () => {
    $('ws-state').textContent = 'reconnecting';
    S.reconnects += 1;
    const wait = S.pauseMs || Math.min(5000, 250 * S.reconnects);
    S.pauseMs = 0;
    setTimeout(connect, wait);
  };
}

// ---- rendering (batched, 10 times a second) ------------------------------------------------
function chart(id, opts, data) {
  const el = $(id);
  if (!S.charts[id]) S.charts[id] = new uPlot({ width: el.clientWidth || 600, height: opts.height || 220, ...opts }, data, el);
  else S.charts[id].setData(data);
}
function renderPrice() {
  const s = S.prices[S.symbol] || { t: [], p: [] };
  const fills = S.fills.filter((f) => f.symbol === S.symbol);
  // uPlot wants one x axis: merge trade times and fill times, nulls where a series has no point.
  const pts = s.t.map((t, i) => [t, s.p[i], null, null])
    .concat(fills.map((f) => [f.t, null, f.side === 'buy' ? f.price : null, f.side === 'sell' ? f.price : null]))
    .sort((a, b) => a[0] - b[0]);
  const cols = [0, 1, 2, 3].map((k) => pts.map((p) => p[k]));
  $('fill-marks').textContent = fills.length;
  const marker = (stroke) => ({ stroke, width: 0, paths: () => null, points: { show: true, size: 9, fill: stroke } });
  chart('price-chart', {
    height: 280,
    axes: [{}, { size: 70 }],
    series: [{}, { label: 'last', stroke: '#58a6ff', spanGaps: true, points: { show: false } },
      { label: 'buy', ...marker('#3fb950') }, { label: 'sell', ...marker('#f85149') }],
  }, cols);
}
function renderPositions() {
  fillBody('positions', Object.values(S.positions).map((p) => row([
    p.symbol, { text: num(p.qty, 5), value: p.qty, id: `position-${p.symbol}` }, num(p.avg_price),
    num(p.realized_pnl), num(p.unrealized_pnl)], { 'data-symbol': p.symbol })), 'no position');
}
function renderOrders() {
  const open = Object.values(S.orders);
  fig('open-orders-count', open.length, 0);
  fillBody('orders', open.map((o) => row([o.order_id, o.symbol, o.side, num(o.qty, 5), num(o.price), o.state])), 'no open order');
}
function renderRejects() {
  const rows = Object.entries(S.rejects).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
    .map(([r, n]) => row([r, { text: String(n), value: n, id: `reject-${r}` }], { 'data-reason': r }));
  fillBody('rejects', rows, 'no reject');
}
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; e.textContent = text; return e; };
const hms = (utc) => (utc || '').replace('T', ' ').replace(/(\.\d{3})\d*/, '$1').replace(/Z$/, '');
function renderAlerts() {
  fig('alerts-count', S.alerts.length, 0);
  fig('alerts-active', S.alerts.filter((a) => a.active).length, 0);
  fig('alerts-unacked', S.alerts.filter((a) => a.acknowledged_ns === null || a.acknowledged_ns === undefined).length, 0);
  const rules = $('alert-rules');
  rules.replaceChildren(...S.rules.map((r, i) => {
    const s = el('span', '', `${i ? ' · ' : 'rules: '}${r.spec.name} `);
    const b = el('b', '', `×${r.fired}`);
    b.dataset.testid = `rule-fired-${r.id}`; b.dataset.value = r.fired; b.dataset.name = r.spec.name;
    s.appendChild(b);
    return s;
  }));
  const rows = S.alerts.slice(0, 200).map((a) => {
    const tr = document.createElement('tr');
    tr.dataset.testid = `alert-${a.id}`;
    Object.assign(tr.dataset, {
      rule: a.rule_name, severity: a.severity, state: a.state, active: String(a.active),
      message: a.message, fired: a.fired_utc, ackBy: a.acknowledged_by ?? '',
    });
    if (!a.active) tr.className = 'inactive';
    const td = (child, cls) => { const c = document.createElement('td'); if (cls) c.className = cls; c.append(child); return c; };
    const ack = a.acknowledged_by ? `by ${a.acknowledged_by}` : '–';
    tr.append(td(hms(a.fired_utc)), td(a.rule_name), td(el('span', `sev ${a.severity}`, a.severity)),
      td(el('span', `st ${a.state}`, a.state + (a.active && a.state !== 'fired' ? ' (active)' : ''))),
      td(a.message, 'msg'), td(ack));
    return tr;
  });
  fillBody('alerts', rows, 'no alert');
}
function renderDecisions() {
  const total = Object.values(S.decisionsByOutcome).reduce((a, n) => a + n, 0);
  fig('decisions-total', total, 0);
  $('decisions-outcomes').textContent = Object.entries(S.decisionsByOutcome).sort((a, b) => b[1] - a[1])
    .map(([o, n]) => `${o} ${n}`).join(' · ');
  const bps = (v) => (v / 100).toFixed(1) + ' %';
  fillBody('decisions', S.decisions.map((d) => {
    const tr = row([hms(d.ts), d.symbol, '', d.intent_id ?? '–', d.combined_bps, bps(d.confidence_bps),
      bps(d.agreement_bps), bps(d.accuracy_bps), bps(d.freshness_bps),
      d.inputs.map((i) => `${i.name} ${i.score_bps ?? '?'}`).join(', ') + (d.solo ? ' (solo)' : '')],
    { 'data-outcome': d.outcome, 'data-intent': d.intent_id ?? '' });
    tr.children[2].append(el('span', `outcome ${d.outcome}`, d.outcome));
    return tr;
  }), 'no decision');
}
function renderLatency(hops) {
  const h = hops.find((x) => x.hop === 'feed→order') || hops[0];
  if (!h) { $('t2t-note').textContent = 'no orders yet'; return; }
  $('t2t-note').textContent = `${h.hop}: ${h.count} orders, p50 ${h.p50_ns} ns, p99 ${h.p99_ns} ns`;
  $('t2t-note').dataset.value = h.count;
  const xs = h.buckets.map((b, i) => i), ys = h.buckets.map((b) => b[1]);
  chart('t2t-chart', {
    height: 220,
    scales: { x: { time: false } },
    axes: [{ values: (u, v) => v.map((i) => (h.buckets[i] ? `≤${h.buckets[i][0]}ns` : '')) }, {}],
    series: [{}, { label: 'orders', stroke: '#d29922', fill: '#d2992255', paths: uPlot.paths.bars({ size: [0.8] }) }],
  }, [xs, ys]);
}
function renderPnl() { chart('pnl-chart', { axes: [{}, { size: 80 }], series: [{}, { label: 'equity', stroke: '#3fb950' }] }, [S.pnl.t, S.pnl.eq]); }

const RENDER = { price: renderPrice, positions: renderPositions, orders: renderOrders, rejects: renderRejects, alerts: renderAlerts, pnl: renderPnl, decisions: renderDecisions };
function frame() {
  for (const w of S.dirty) RENDER[w]();
  S.dirty.clear();
}
setInterval(frame, 100); // not requestAnimationFrame: it pauses in a hidden tab
// Every 2 s: the latency histogram (not pushed). Health is pushed on /ws, also when it changes with
// no journal record (the server's clock: a stalled run goes stale, the control socket goes away).
setInterval(() => {
  api('/api/system/metrics').then((m) => renderLatency(m.latency || [])).catch(showError);
}, 2000);

$('symbol').onchange = (e) => { S.symbol = e.target.value; loadHistory().catch(showError); };
// For the browser test: drop the socket (staying away `pauseMs` before reconnecting).
window.alphapulse = { state: S, dropSocket: (pauseMs = 0) => { S.pauseMs = pauseMs; if (S.ws) S.ws.close(); } };
loadSnapshots().then(() => { $('error').textContent = ''; mark(...Object.keys(RENDER)); connect(); })
  .catch((e) => { showError(e); setTimeout(() => location.reload(), 3000); });
