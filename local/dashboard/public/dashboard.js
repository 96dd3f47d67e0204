/*
 * Tributary live dashboard: asks the named-query API of this server every 2 s and draws the
 * widgets with uPlot (charts) and plain HTML (bars, tables). Every widget shows its numbers as
 * text and exposes them for tests: data-ready="true" once it has drawn an answer, data-value
 * (its headline number), data-query (the same question with its window fixed, so asking it again
 * gives the same answer), and data-key / data-value on each item it lists.
 */
(() => {
  const REFRESH_MS = 2000;
  /** Conversion over 5 minutes moves slowly; asking for it less often leaves each refresh less to do. */
  const FUNNEL_EVERY_MS = 10_000;
  const REQUEST_TIMEOUT_MS = 15_000;
  /** The events-per-second chart covers this many seconds. */
  const EVENTS_WINDOW_S = 300;
  /** Shortest stretch of the events chart read again on each refresh, for events still arriving. */
  const MIN_TAIL_S = 15;
  /** Seconds at the end of the events chart left out because their events are still arriving. */
  const SETTLING_S = 2;
  /** Samples kept for lines drawn from successive refreshes: 5 minutes. */
  const SAMPLES_KEPT = 150;

  const QUERIES = {
    revenue: { name: 'timeseries', params: { metric: 'revenue_usd', bucket: '1m', split: 'category', series: '10', last: '30m' } },
    // revenue_usd is set on purchases only, so reading purchases gives the same ranking from far fewer rows.
    topProducts: { name: 'top', params: { dimension: 'sku', metric: 'revenue_usd', event_type: 'purchase', n: '10', last: '15m' } },
    funnel: { name: 'funnel', params: { by: 'session', last: '5m' } },
    freshness: { name: 'freshness', params: { last: '1m' } },
    pipeline: { name: 'pipeline', params: { last: '5m' } },
    orders: { name: 'orders', params: { last: '1h' } },
  };

  const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const usdCompact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
  const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const minuteClock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

  const fmt = {
    count: (n) => number.format(n),
    usd: (n) => usd.format(n),
    pct: (r) => (r === null || r === undefined ? '–' : percent.format(r)),
    ms: (n) => (n === null || n === undefined ? '–' : `${number.format(n)} ms`),
    rate: (n) => (n === null ? '–' : n < 10 ? oneDecimal.format(n) : number.format(n)),
  };

  const TYPE_COLORS = {
    page_view: '#5c8dd6',
    product_view: '#4cc2ff',
    search: '#b48cff',
    add_to_cart: '#f5b849',
    checkout: '#ff9f6e',
    purchase: '#3ecf8e',
  };
  const PALETTE = ['#4cc2ff', '#3ecf8e', '#f5b849', '#b48cff', '#f26d6d', '#5fd3c4', '#ff9f6e', '#8aa4ff', '#e58fd8', '#c6d46e'];
  const STAGE_COLORS = { ingest: '#4cc2ff', enrich: '#b48cff', sink: '#3ecf8e' };
  const colorFor = (key, i) => TYPE_COLORS[key] ?? PALETTE[i % PALETTE.length];

  // ---- the API -------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function getJson(path) {
    let response;
    try {
      response = await fetch(path, { cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const timedOut = error && error.name === 'TimeoutError';
      throw new ApiError(0, timedOut ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : 'the dashboard server cannot be reached');
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON: reported below by status.
    }
    if (!response.ok) throw new ApiError(response.status, body?.message || `HTTP ${response.status}`);
    if (body === null) throw new ApiError(response.status, 'the answer is not JSON');
    return body;
  }

  function queryUrl(name, params) {
    return `/query/${encodeURIComponent(name)}?${new URLSearchParams(params)}`;
  }

  /** The question a result answered, with its window fixed: its params without `last` (from/to say it). */
  function fixedQueryUrl(result) {
    const params = {};
    for (const [key, value] of Object.entries(result.params)) if (key !== 'last') params[key] = String(value);
    return queryUrl(result.name, params);
  }

  const seconds = (iso) => Date.parse(iso) / 1000;
  const isoOf = (epochSeconds) => new Date(epochSeconds * 1000).toISOString();
  const sum = (values) => values.reduce((a, b) => a + (b ?? 0), 0);
  const cents = (n) => Math.round(n * 100) / 100;

  // ---- DOM helpers ---------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'className') node.className = value;
      else if (key === 'style') Object.assign(node.style, value);
      else if (/^data[A-Z]/.test(key)) node.dataset[key.slice(4, 5).toLowerCase() + key.slice(5)] = String(value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function widget(name) {
    const root = document.querySelector(`[data-widget="${name}"]`);
    const part = (role) => root.querySelector(`[data-role="${role}"]`);
    return {
      root,
      part,
      /** Marks the widget as showing an answer: value and the fixed question, for readers and tests. */
      shown(value, query, asOf) {
        root.dataset.value = value === null || value === undefined ? '' : String(value);
        root.dataset.query = query;
        root.dataset.asOf = asOf;
        root.dataset.ready = 'true';
        delete root.dataset.error;
        part('error').hidden = true;
      },
      fail(message) {
        const error = part('error');
        error.textContent = `Not updated: ${message}`;
        error.hidden = false;
        root.dataset.error = message;
      },
    };
  }

  function setKpi(name, text) {
    const node = document.querySelector(`[data-kpi="${name}"]`);
    if (node) node.textContent = text;
  }

  function showNote(node, notes) {
    node.textContent = notes.join(' ');
    node.hidden = notes.length === 0;
  }

  // ---- charts --------------------------------------------------------------------------------

  const AXIS = {
    stroke: '#8b95a7',
    font: '11px system-ui, sans-serif',
    grid: { stroke: 'rgba(255,255,255,0.06)', width: 1 },
    ticks: { stroke: 'rgba(255,255,255,0.12)', width: 1, size: 4 },
  };

  /**
   * Time labels on one line: "17:56" on whole minutes, ":30" between them. uPlot's default adds a
   * second line with the date, which overlaps the next label on narrow charts.
   */
  const timeLabels = (_u, splits, _axis, _space, incrSeconds) =>
    splits.map((t) => {
      const at = new Date(t * 1000);
      return incrSeconds < 60 && at.getSeconds() !== 0 ? `:${String(at.getSeconds()).padStart(2, '0')}` : minuteClock.format(at);
    });

  /** A uPlot time-series chart that fills its element, rebuilt only when its series change. */
  class LineChart {
    constructor(node, yFormat) {
      this.node = node;
      this.yFormat = yFormat;
      this.plot = null;
      this.shape = '';
      new ResizeObserver(() => this.plot?.setSize(this.size())).observe(node);
    }

    size() {
      return { width: Math.max(120, this.node.clientWidth), height: Math.max(80, this.node.clientHeight) };
    }

    /** xs in epoch seconds; series: [{ label, color, values, fill?, gaps? }]. */
    draw(xs, series) {
      const data = [xs, ...series.map((s) => s.values)];
      const shape = series.map((s) => `${s.label}:${s.color}`).join('|');
      if (this.plot && shape === this.shape) {
        this.plot.setData(data);
        return;
      }
      this.plot?.destroy();
      this.shape = shape;
      const yFormat = this.yFormat;
      this.plot = new uPlot(
        {
          ...this.size(),
          legend: { show: false },
          cursor: { drag: { x: false, y: false }, points: { size: 6 } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
          axes: [
            { ...AXIS, values: timeLabels },
            { ...AXIS, size: 58, values: (_u, splits) => splits.map(yFormat) },
          ],
          series: [
            {},
            ...series.map((s) => ({
              label: s.label,
              stroke: s.color,
              width: 1.6,
              fill: s.fill,
              spanGaps: s.gaps === false,
              points: { show: false },
            })),
          ],
        },
        data,
        this.node,
      );
    }
  }

  function legendItem(testId, key, color, value, text) {
    return el(
      'li',
      { 'data-testid': testId, dataKey: key, dataValue: value },
      el('span', { className: 'swatch', style: { background: color } }),
      el('span', {}, key),
      el('span', { className: 'amount' }, text),
    );
  }

  /** Keeps the last SAMPLES_KEPT samples of values that only exist as "now" (lag, freshness, DLQ rate). */
  class Samples {
    constructor() {
      this.items = [];
    }
    add(t, values) {
      if (this.items.length > 0 && this.items[this.items.length - 1].t >= t) return;
      this.items.push({ t, values });
      if (this.items.length > SAMPLES_KEPT) this.items.shift();
    }
    xs() {
      return this.items.map((s) => s.t);
    }
    series(key) {
      return this.items.map((s) => s.values[key] ?? null);
    }
  }

  // ---- widgets -------------------------------------------------------------------------------

  /**
   * Events per second by type, 1 s buckets over 5 minutes. Reading 5 minutes of raw events every
   * 2 s would cost O(events); after the first read only a tail is asked again, long enough to
   * cover events still in flight (twice the freshness p99 plus 10 s, at least 15 s).
   */
  function eventsByTypeWidget() {
    const w = widget('events-by-type');
    const chart = new LineChart(w.part('chart'), (v) => number.format(v));
    const buckets = new Map(); // epoch s -> Map(type -> events)
    let answeredTo = null; // epoch s, exclusive: the `to` of the latest answer
    let tailSeconds = MIN_TAIL_S;
    const base = { bucket: '1s', split: 'event_type', series: '20' };
    return {
      /** Sets how far back each read reaches, from the freshness p99 in ms. */
      setTail(p99Ms) {
        tailSeconds = Math.min(EVENTS_WINDOW_S, Math.max(MIN_TAIL_S, Math.ceil((2 * (p99Ms ?? 0)) / 1000) + 10));
      },
      request() {
        const nowS = Math.floor(Date.now() / 1000);
        const full = answeredTo === null || nowS - answeredTo > EVENTS_WINDOW_S - tailSeconds;
        const from = full ? nowS - EVENTS_WINDOW_S - SETTLING_S - 1 : answeredTo - tailSeconds;
        return queryUrl('timeseries', { ...base, from: isoOf(from) });
      },
      render(result) {
        const keys = result.columns.slice(1).map((c) => c.name);
        for (const row of result.rows) {
          buckets.set(seconds(row[0]), new Map(keys.map((key, i) => [key, row[i + 1]])));
        }
        answeredTo = seconds(result.params.to);
        // The last seconds are still filling up (events in flight): the chart stops before them.
        const windowEnd = answeredTo - SETTLING_S;
        const start = windowEnd - EVENTS_WINDOW_S;
        for (const t of buckets.keys()) if (t < start) buckets.delete(t);

        const xs = [];
        for (let t = start; t < windowEnd; t++) xs.push(t);
        const totals = new Map();
        for (const t of xs) for (const [key, n] of buckets.get(t) ?? []) totals.set(key, (totals.get(key) ?? 0) + n);
        const types = [...totals.entries()]
          .filter(([, n]) => n > 0)
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([k]) => k);
        const series = types.map((type, i) => ({
          label: type,
          color: colorFor(type, i),
          values: xs.map((t) => buckets.get(t)?.get(type) ?? 0),
        }));
        chart.draw(xs, series.length > 0 ? series : [{ label: 'events', color: '#5c6678', values: xs.map(() => 0) }]);

        const total = sum([...totals.values()]);
        w.part('value').textContent = fmt.count(total);
        w.part('legend').replaceChildren(
          ...series.map((s) => legendItem(`events-type-${s.label}`, s.label, s.color, totals.get(s.label), fmt.count(totals.get(s.label)))),
        );
        let recent = 0;
        for (let t = windowEnd - 10; t < windowEnd; t++) for (const n of buckets.get(t)?.values() ?? []) recent += n;
        setKpi('rate', fmt.rate(recent / 10));
        w.shown(total, queryUrl('timeseries', { ...base, from: isoOf(start), to: isoOf(windowEnd) }), result.asOf);
      },
      fail: w.fail,
    };
  }

  function revenueWidget() {
    const w = widget('revenue-by-category');
    const chart = new LineChart(w.part('chart'), (v) => usdCompact.format(v));
    return {
      request: () => queryUrl(QUERIES.revenue.name, QUERIES.revenue.params),
      render(result) {
        const categories = result.columns.slice(1).map((c) => c.name);
        const xs = result.rows.map((row) => seconds(row[0]));
        // Categories with no revenue in the window (e.g. events without a product) are left out.
        const series = categories
          .map((category, i) => ({ label: category, values: result.rows.map((row) => row[i + 1]) }))
          .filter((s) => s.values.some((v) => v > 0))
          .map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length] }));
        chart.draw(xs, series.length > 0 ? series : [{ label: 'revenue', color: '#5c6678', values: xs.map(() => 0) }]);
        const totals = series.map((s) => cents(sum(s.values)));
        const total = cents(sum(series.map((s) => sum(s.values))));
        w.part('value').textContent = fmt.usd(total);
        w.part('legend').replaceChildren(
          ...series.map((s, i) => legendItem(`revenue-category-${s.label}`, s.label, s.color, totals[i], fmt.usd(totals[i]))),
        );
        setKpi('revenue', fmt.usd(total));
        w.shown(total, fixedQueryUrl(result), result.asOf);
      },
      fail: w.fail,
    };
  }

  function barItem(testId, key, label, value, text, fraction) {
    return el(
      'li',
      { 'data-testid': testId, dataKey: key, dataValue: value },
      el('span', { className: 'name', title: `${label} (${key})` }, label, el('span', { className: 'key' }, label === key ? '' : key)),
      el('span', { className: 'amount' }, text),
      el(
        'span',
        { className: 'track' },
        el('span', { className: 'fill', style: { width: `${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(1)}%` } }),
      ),
    );
  }

  function topProductsWidget() {
    const w = widget('top-products');
    return {
      request: () => queryUrl(QUERIES.topProducts.name, QUERIES.topProducts.params),
      render(result) {
        const max = Math.max(0, ...result.rows.map((row) => row[2]));
        const items = result.rows.map(([sku, name, revenue]) =>
          barItem(`product-${sku}`, sku, name ?? sku, revenue, fmt.usd(revenue), max > 0 ? revenue / max : 0),
        );
        w.part('list').replaceChildren(
          ...(items.length > 0 ? items : [el('li', { className: 'empty' }, 'No purchases in the last 15 minutes.')]),
        );
        w.shown(result.rows.length, fixedQueryUrl(result), result.asOf);
      },
      fail: w.fail,
    };
  }

  /** Shop orders (mirrored by change data capture) by status; the note gives confirmed revenue. */
  function ordersWidget() {
    const w = widget('orders');
    return {
      request: () => queryUrl(QUERIES.orders.name, QUERIES.orders.params),
      render(result) {
        const max = Math.max(0, ...result.rows.map((row) => row[1]));
        const total = sum(result.rows.map((row) => row[1]));
        w.part('list').replaceChildren(
          ...(total > 0
            ? result.rows.map(([status, orders, valueUsd]) =>
                barItem(
                  `orders-${status}`,
                  status,
                  status,
                  orders,
                  `${fmt.count(orders)} · ${fmt.usd(valueUsd)}`,
                  max > 0 ? orders / max : 0,
                ),
              )
            : [el('li', { className: 'empty' }, 'No shop orders in the last hour (is change data capture running?).')]),
        );
        showNote(w.part('note'), result.notes);
        w.shown(total, fixedQueryUrl(result), result.asOf);
      },
      fail: w.fail,
    };
  }

  function funnelWidget() {
    const w = widget('funnel');
    return {
      request: () => queryUrl(QUERIES.funnel.name, QUERIES.funnel.params),
      render(result) {
        const first = result.rows[0]?.[2] ?? 0;
        const items = result.rows.map(([step, type, count, fromPrevious]) =>
          el(
            'li',
            { 'data-testid': `funnel-${type}`, dataKey: type, dataValue: count, dataConversion: fromPrevious ?? '' },
            el('span', { className: 'step' }, `${step}. ${type.replaceAll('_', ' ')}`),
            el('span', { className: 'count' }, fmt.count(count)),
            el(
              'span',
              { className: 'track' },
              el('span', { className: 'fill', style: { width: `${first > 0 ? ((count / first) * 100).toFixed(1) : 0}%` } }),
            ),
            el(
              'span',
              { className: 'conversion' },
              step === 1 ? 'sessions that viewed a product' : `${fmt.pct(fromPrevious)} of the step before`,
            ),
          ),
        );
        w.part('list').replaceChildren(...items);
        const overall = result.rows[result.rows.length - 1]?.[4] ?? null;
        w.part('value').textContent = fmt.pct(overall);
        w.part('asof').textContent =
          `Each session's first time at each step, kept by the sink; every ${FUNNEL_EVERY_MS / 1000} s; as of ${clock.format(new Date(result.asOf))}.`;
        w.shown(overall, fixedQueryUrl(result), result.asOf);
      },
      fail: w.fail,
    };
  }

  function freshnessWidget(onP99) {
    const w = widget('freshness');
    const chart = new LineChart(w.part('chart'), (v) => `${number.format(v)} ms`);
    const samples = new Samples();
    return {
      request: () => queryUrl(QUERIES.freshness.name, QUERIES.freshness.params),
      render(result) {
        const names = result.columns.map((c) => c.name);
        const row = result.rows[0] ?? [];
        const value = (name) => row[names.indexOf(name)] ?? null;
        onP99(value('p99_ms'));
        for (const [role, name] of [
          ['p50', 'p50_ms'],
          ['p95', 'p95_ms'],
          ['p99', 'p99_ms'],
        ]) {
          const node = w.part(role);
          node.textContent = fmt.ms(value(name));
          node.dataset.value = value(name) ?? '';
        }
        const events = value('events') ?? 0;
        w.part('events').textContent = fmt.count(events);
        w.part('events').dataset.value = String(events);
        setKpi('p50', fmt.ms(value('p50_ms')));
        setKpi('p99', fmt.ms(value('p99_ms')));
        samples.add(seconds(result.asOf), { p50: value('p50_ms'), p99: value('p99_ms') });
        chart.draw(samples.xs(), [
          { label: 'p50', color: '#4cc2ff', values: samples.series('p50'), gaps: false },
          { label: 'p99', color: '#f5b849', values: samples.series('p99'), gaps: false },
        ]);
        w.shown(events, fixedQueryUrl(result), result.asOf);
      },
      fail: w.fail,
    };
  }

  /** Reads the pipeline answer's (scope, name, metric, value) rows into nested maps. */
  function readPipeline(result) {
    const scopes = {};
    for (const [scope, name, metric, value] of result.rows) {
      scopes[scope] ??= {};
      scopes[scope][name] ??= {};
      scopes[scope][name][metric] = value;
    }
    return scopes;
  }

  /** DLQ counts by reason, DLQ rate and share, and lag per stage: all from the pipeline query. */
  function pipelineWidgets() {
    const dlq = widget('dlq');
    const stages = widget('stages');
    const lagChart = new LineChart(stages.part('chart'), (v) => number.format(v));
    const lagSamples = new Samples();
    let previous = null; // { t, total } of the last answer, for the rate
    return {
      request: () => queryUrl(QUERIES.pipeline.name, QUERIES.pipeline.params),
      render(result) {
        const scopes = readPipeline(result);
        const query = fixedQueryUrl(result);
        const t = seconds(result.asOf);
        const stored = scopes.store?.sink?.events_stored;
        if (stored !== undefined) setKpi('stored', fmt.count(stored));

        // DLQ
        const reasons = Object.entries(scopes.dlq ?? {})
          .map(([reason, m]) => [reason, m.records])
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        const total = sum(reasons.map(([, n]) => n));
        const ingested = scopes.stage?.ingest?.records_in ?? 0;
        const rate = previous && t > previous.t ? Math.max(0, (total - previous.total) / (t - previous.t)) : null;
        previous = { t, total };
        const share = ingested > 0 ? total / ingested : null;
        const statusKnown = scopes.stage !== undefined;
        dlq.part('rate').textContent = statusKnown ? `${fmt.rate(rate)} /s` : '–';
        dlq.part('rate').dataset.value = rate ?? '';
        dlq.part('share').textContent = statusKnown ? fmt.pct(share) : '–';
        dlq.part('share').dataset.value = share ?? '';
        dlq.part('total').textContent = statusKnown ? fmt.count(total) : '–';
        dlq.part('total').dataset.value = String(total);
        const max = Math.max(0, ...reasons.map(([, n]) => n));
        dlq
          .part('list')
          .replaceChildren(
            ...(reasons.length > 0 || !statusKnown
              ? reasons.map(([reason, n]) => barItem(`dlq-${reason}`, reason, reason, n, fmt.count(n), max > 0 ? n / max : 0))
              : [el('li', { className: 'empty' }, 'No records dead-lettered.')]),
          );
        showNote(dlq.part('note'), result.notes);
        setKpi('dlq', statusKnown ? fmt.rate(rate) : '–');
        dlq.shown(total, query, result.asOf);

        // Stages and lag
        const stageNames = Object.keys(scopes.stage ?? {});
        const lagTotal = sum(stageNames.map((s) => scopes.stage[s].lag));
        stages.part('rows').replaceChildren(
          ...stageNames.map((name) => {
            const m = scopes.stage[name];
            return el(
              'tr',
              {
                'data-testid': `stage-${name}`,
                dataKey: name,
                dataValue: m.lag ?? '',
                dataIn: m.records_in,
                dataOut: m.records_out,
                dataDlq: m.records_to_dlq,
              },
              el('td', {}, name),
              el('td', {}, fmt.count(m.records_in)),
              el('td', {}, fmt.count(m.records_out)),
              el('td', {}, fmt.count(m.records_to_dlq)),
              el('td', { className: (m.lag ?? 0) > 1000 ? 'lag-high' : '' }, m.lag === null ? '–' : fmt.count(m.lag)),
            );
          }),
        );
        showNote(stages.part('note'), result.notes);
        if (stageNames.length > 0) {
          lagSamples.add(t, Object.fromEntries(stageNames.map((s) => [s, scopes.stage[s].lag])));
          lagChart.draw(
            lagSamples.xs(),
            stageNames.map((s, i) => ({
              label: s,
              color: STAGE_COLORS[s] ?? PALETTE[i % PALETTE.length],
              values: lagSamples.series(s),
              gaps: false,
            })),
          );
          setKpi('lag', fmt.count(lagTotal));
        }
        stages.shown(statusKnown ? lagTotal : null, query, result.asOf);
      },
      fail(message) {
        dlq.fail(message);
        stages.fail(message);
      },
    };
  }

  // ---- the refresh loop ----------------------------------------------------------------------

  /**
   * Every 2 s, asks each widget's query that is due and not still running, and draws each answer
   * as it arrives: a slow query holds up only its own widget.
   */
  function start() {
    const events = eventsByTypeWidget();
    const schedule = [
      { view: events, everyMs: REFRESH_MS },
      { view: revenueWidget(), everyMs: REFRESH_MS },
      { view: topProductsWidget(), everyMs: REFRESH_MS },
      { view: funnelWidget(), everyMs: FUNNEL_EVERY_MS },
      { view: freshnessWidget((p99) => events.setTail(p99)), everyMs: REFRESH_MS },
      { view: pipelineWidgets(), everyMs: REFRESH_MS },
      { view: ordersWidget(), everyMs: REFRESH_MS },
    ].map((entry) => ({ ...entry, running: false, askedAt: -Infinity }));
    const banner = document.querySelector('[data-testid="api-error"]');
    const dot = document.querySelector('[data-testid="status-dot"]');
    const lastRefresh = document.querySelector('[data-testid="last-refresh"]');
    let lastGood = null;

    async function ask(entry) {
      entry.running = true;
      entry.askedAt = performance.now();
      try {
        const answer = await getJson(entry.view.request());
        try {
          entry.view.render(answer);
        } catch (error) {
          entry.view.fail('the answer could not be drawn');
          throw new ApiError(200, `an answer could not be drawn (${error.message})`);
        }
      } catch (error) {
        if (error instanceof ApiError && error.status !== 200) entry.view.fail(error.message);
        throw error;
      } finally {
        entry.running = false;
      }
    }

    async function refresh() {
      const started = performance.now();
      const due = schedule.filter((e) => !e.running && started - e.askedAt >= e.everyMs - REFRESH_MS / 2);
      const outcomes = await Promise.allSettled(due.map(ask));
      const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
      const now = new Date();
      const took = Math.round(performance.now() - started);
      if (failures.length === 0) {
        lastGood = now;
        banner.hidden = true;
        dot.dataset.state = 'ok';
      } else {
        const unreachable = failures.every((f) => f.status === 0);
        const since = lastGood ? ` The figures shown are from ${clock.format(lastGood)}.` : '';
        const first = failures[0];
        banner.textContent = unreachable
          ? `The dashboard server cannot be reached: is the twin still running? Retrying every ${REFRESH_MS / 1000} s.${since}`
          : `${failures.length} of ${due.length} queries failed: ${first.message}${first.status ? ` (HTTP ${first.status})` : ''}. Retrying every ${REFRESH_MS / 1000} s.`;
        banner.hidden = false;
        dot.dataset.state = 'error';
      }
      lastRefresh.textContent = `Updated ${clock.format(now)} · ${due.length} queries in ${took} ms`;
      lastRefresh.dataset.time = now.toISOString();
      lastRefresh.dataset.tookMs = String(took);
      lastRefresh.dataset.queries = String(due.length);
    }

    void refresh();
    setInterval(() => void refresh(), REFRESH_MS);
  }

  if (typeof uPlot === 'undefined') {
    const banner = document.querySelector('[data-testid="api-error"]');
    banner.textContent = 'The charting library did not load; reload the page.';
    banner.hidden = false;
  } else {
    start();
  }
})();
