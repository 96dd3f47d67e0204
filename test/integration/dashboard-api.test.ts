/**
 * The dashboard server over a real PostgreSQL store: the query API through HTTP (200, 400 naming
 * the parameter, 404s, 405), the page and its files, the limits (URL length, Host check, queries
 * in flight shared), and the port errors.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../../local/dashboard/dashboard-server.js';
import { DashboardPortError } from '../../local/dashboard/errors.js';
import { type PipelineStatusSource, type QueryResult, runNamedQuery } from '../../src/analytics/index.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { buildAnalyticsFixture, insertAnalyticsFixture } from '../helpers/analytics-fixture.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const NOW = new Date('2025-03-01T12:00:30.500Z');
const fixture = buildAnalyticsFixture({ now: NOW, seed: 7, sessions: 120 });
const WINDOW = { from: '2025-03-01T11:00:00Z', to: '2025-03-01T12:01:00Z' };

const status: PipelineStatusSource = {
  readPipelineStatus: async () => ({
    since: new Date(Date.now() - 60_000),
    stages: [{ stage: 'ingest', recordsIn: 10, recordsOut: 8, recordsToDlq: 2, failedInvocations: 0, lag: 3 }],
    dlqByReason: { NOT_JSON: 2 },
  }),
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with full control of method and headers (fetch does not let a test set Host). */
function call(url: string, options: { method?: string; headers?: Record<string, string>; onSent?: () => void } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.onSent);
  });
}

function json<T = Record<string, unknown>>(answer: Answer): T {
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(answer.body) as T;
}

describe('dashboard server on PostgreSQL', () => {
  let store: TestStore;
  let server: DashboardServer;
  const errors: unknown[] = [];

  beforeAll(async () => {
    store = await postgresTestStore();
    await insertAnalyticsFixture(store.client, fixture);
    server = await startDashboardServer({ store: store.client, status, port: 0, onError: (error) => errors.push(error) });
  });
  afterAll(async () => {
    await server?.close();
    await store?.dispose();
  });

  it('listens on 127.0.0.1 and says where', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers a good query with 200 and the named query result as JSON', async () => {
    const params = { dimension: 'sku', metric: 'revenue_usd', event_type: 'purchase', n: '5', ...WINDOW };
    const answer = await call(`${server.url}query/top?${new URLSearchParams(params)}`);

    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const body = json<QueryResult>(answer);
    const expected = await runNamedQuery(store.client, 'top', params);
    expect({ ...body, asOf: '' }).toEqual({ ...expected, asOf: '' });
    expect(body.rows.length).toBe(5);
  });

  it('passes the pipeline status source to the pipeline query', async () => {
    const body = json<QueryResult>(await call(`${server.url}query/pipeline?${new URLSearchParams(WINDOW)}`));

    expect(body.rows).toContainEqual(['stage', 'ingest', 'lag', 3]);
    expect(body.rows).toContainEqual(['dlq', 'NOT_JSON', 'records', 2]);
    expect(body.notes).toEqual([]);
  });

  it('answers a bad parameter with 400 naming it', async () => {
    const answer = await call(`${server.url}query/top?dimension=bogus`);

    expect(answer.status).toBe(400);
    const body = json<{ error: string; parameter: string; message: string }>(answer);
    expect(body).toMatchObject({ error: 'bad_parameter', parameter: 'dimension' });
    expect(body.message).toMatch(/^parameter "dimension": must be one of .*sku.* \(got "bogus"\)$/);
  });

  it('answers a parameter given twice with 400 naming it', async () => {
    const answer = await call(`${server.url}query/freshness?last=5m&last=1h`);

    expect(answer.status).toBe(400);
    expect(json(answer)).toMatchObject({ error: 'bad_parameter', parameter: 'last' });
  });

  it('answers an unknown query with 404 listing the known ones', async () => {
    const answer = await call(`${server.url}query/everything`);

    expect(answer.status).toBe(404);
    expect(json(answer)).toMatchObject({
      error: 'unknown_query',
      queries: ['timeseries', 'top', 'funnel', 'freshness', 'pipeline', 'orders', 'reconciliation'],
    });
  });

  it('lists the queries at /query', async () => {
    const body = json<{ queries: { name: string }[] }>(await call(`${server.url}query`));

    expect(body.queries.map((q) => q.name)).toEqual(['timeseries', 'top', 'funnel', 'freshness', 'pipeline', 'orders', 'reconciliation']);
  });

  it.each(['/nothing-here', '//query/top', '/assets/../package.json', '/assets/uPlot.cjs.js', '/public/index.html'])(
    'answers %s with 404 and a JSON message',
    async (path) => {
      const answer = await call(`${server.url.slice(0, -1)}${path}`);

      expect(answer.status).toBe(404);
      expect(json(answer)).toMatchObject({ error: 'not_found' });
    },
  );

  it('refuses other methods with 405 and Allow', async () => {
    const page = await call(server.url, { method: 'POST' });
    const query = await call(`${server.url}query/top?dimension=sku`, { method: 'DELETE' });

    expect([page.status, page.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect([query.status, query.headers.allow]).toEqual([405, 'GET']);
  });

  it('serves the page with a strict content security policy, and its files from node_modules and public/', async () => {
    const page = await call(server.url);
    const files = await Promise.all(
      ['assets/dashboard.js', 'assets/dashboard.css', 'assets/uPlot.iife.min.js', 'assets/uPlot.min.css'].map((f) =>
        call(`${server.url}${f}`),
      ),
    );
    const head = await call(`${server.url}assets/dashboard.js`, { method: 'HEAD' });

    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('data-widget="events-by-type"');
    expect(files.map((f) => [f.status, f.headers['content-type']])).toEqual([
      [200, 'text/javascript; charset=utf-8'],
      [200, 'text/css; charset=utf-8'],
      [200, 'text/javascript; charset=utf-8'],
      [200, 'text/css; charset=utf-8'],
    ]);
    expect(files[2]?.body).toContain('uPlot');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', files[0]?.headers['content-length']]);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const answer = await call(server.url, { headers: { host: 'attacker.example:80' } });
    const localhost = await call(server.url, { headers: { host: `localhost:${server.port}` } });

    expect(answer.status).toBe(403);
    expect(json(answer)).toMatchObject({ error: 'forbidden_host' });
    expect(localhost.status).toBe(200);
  });

  it('refuses an over-long URL with 414', async () => {
    const answer = await call(`${server.url}query/top?dimension=${'x'.repeat(3000)}`);

    expect(answer.status).toBe(414);
    expect(json(answer)).toMatchObject({ error: 'uri_too_long' });
  });

  it('runs the same query asked twice at once only once', async () => {
    // While held, the store keeps every read waiting, so the first request is surely still running
    // when the second one arrives: a request for a file, sent after the second was flushed, has been answered.
    let held: Promise<void> = Promise.resolve();
    let release = (): void => {};
    let reads = 0;
    let onRead = (): void => {};
    const gated: SqlQueryable = {
      query: async (text, params) => {
        reads++;
        onRead();
        await held;
        return store.client.query(text, params);
      },
    };
    const shared = await startDashboardServer({ store: gated, port: 0 });
    try {
      const url = `${shared.url}query/funnel?${new URLSearchParams({ by: 'session', ...WINDOW })}`;
      await call(url);
      const readsAlone = reads;

      reads = 0;
      held = new Promise((resolve) => {
        release = resolve;
      });
      const firstRead = new Promise<void>((resolve) => {
        onRead = resolve;
      });
      const first = call(url);
      await firstRead;
      let sent = (): void => {};
      const secondSent = new Promise<void>((resolve) => {
        sent = resolve;
      });
      const second = call(url, { onSent: () => sent() });
      await secondSent;
      await call(`${shared.url}assets/dashboard.js`);
      const readsWhileHeld = reads;
      release();
      const [a, b] = await Promise.all([first, second]);

      expect(readsAlone).toBeGreaterThan(0);
      expect(readsWhileHeld).toBe(1);
      expect(reads).toBe(readsAlone);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.body).toBe(a.body);
    } finally {
      release();
      await shared.close();
    }
  });

  it('answers a store failure with 500, a request id and no internals', async () => {
    const failing = await startDashboardServer({
      store: { query: () => Promise.reject(new Error('relation "events" does not exist at /srv/secret.sql:12')) },
      port: 0,
      onError: (error) => errors.push(error),
    });
    try {
      const answer = await call(`${failing.url}query/freshness`);

      expect(answer.status).toBe(500);
      const body = json<{ error: string; requestId: string; message: string }>(answer);
      expect(body.error).toBe('internal');
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.body).not.toMatch(/secret|relation|at /);
      expect(errors.at(-1)).toBeInstanceOf(Error);
    } finally {
      await failing.close();
    }
  });

  it('reports a port in use clearly, naming --port', async () => {
    const attempt = startDashboardServer({ store: store.client, port: server.port });

    await expect(attempt).rejects.toBeInstanceOf(DashboardPortError);
    await expect(attempt).rejects.toThrow(
      `the dashboard cannot listen on 127.0.0.1:${server.port}: the port is in use; choose another port with --port (0 picks a free one)`,
    );
  });

  it('closes: stops listening and lets a later close resolve too', async () => {
    const extra = await startDashboardServer({ store: store.client, port: 0 });
    await call(extra.url);
    await extra.close();
    await extra.close();

    await expect(call(extra.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
