/** The HTTP adapter's mapping of outcomes to status codes, and what it tells the caller (no store needed). */
import { describe, expect, it, vi } from 'vitest';
import { handleQueryRequest } from '../../src/analytics/http-query-adapter.js';
import { isStoreUnreachable } from '../../src/analytics/store-failure.js';
import { type SqlQueryable, StoreUnavailableError } from '../../src/store/sql-client.js';

/** A store whose every query fails with `error`; counts calls. */
function failingStore(error: unknown): SqlQueryable & { calls: number } {
  const store = {
    calls: 0,
    async query<Row extends object>(): Promise<Row[]> {
      store.calls += 1;
      throw error;
    },
  };
  return store;
}

const sqlError = Object.assign(new Error('relation "metrics_minute" does not exist'), { code: '42P01' });
const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });

describe('handleQueryRequest', () => {
  it('answers 400 naming the parameter, without touching the store', async () => {
    const store = failingStore(sqlError);
    const response = await handleQueryRequest(store, { path: '/query/top', query: { dimension: 'user_id' } });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(response.body)).toEqual({
      error: 'bad_parameter',
      parameter: 'dimension',
      message: 'parameter "dimension": must be one of event_type, category, country, device_class, sku, browser, os (got "user_id")',
    });
    expect(store.calls).toBe(0);
  });

  it('answers 404 for an unknown query, listing the known ones', async () => {
    const response = await handleQueryRequest(failingStore(sqlError), { path: '/query/revenue', query: {} });
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      error: 'unknown_query',
      message: 'unknown query "revenue"; known queries: timeseries, top, funnel, freshness, pipeline, orders, reconciliation',
      queries: ['timeseries', 'top', 'funnel', 'freshness', 'pipeline', 'orders', 'reconciliation'],
    });
  });

  it('answers 404 for a path that is not a query, 405 for other methods', async () => {
    expect((await handleQueryRequest(failingStore(sqlError), { path: '/metrics', query: {} })).statusCode).toBe(404);
    expect((await handleQueryRequest(failingStore(sqlError), { path: '/query/top/extra', query: {} })).statusCode).toBe(404);
    const post = await handleQueryRequest(failingStore(sqlError), { method: 'POST', path: '/query/top', query: {} });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET');
  });

  it('lists the queries with their parameters at /query, also under a stage prefix', async () => {
    for (const path of ['/query', '/query/', '/prod/query']) {
      const response = await handleQueryRequest(failingStore(sqlError), { path, query: {} });
      expect(response.statusCode).toBe(200);
      const body = JSON.parse(response.body) as { queries: { name: string; parameters: string[] }[] };
      expect(body.queries.map((q) => q.name)).toEqual(['timeseries', 'top', 'funnel', 'freshness', 'pipeline', 'orders', 'reconciliation']);
      expect(body.queries[1]?.parameters).toEqual(['last', 'from', 'to', 'dimension', 'metric', 'n', 'event_type']);
    }
  });

  it('answers 500 with the request id and no internals when the store fails, and reports the cause', async () => {
    const onError = vi.fn();
    const response = await handleQueryRequest(
      failingStore(sqlError),
      { path: '/query/funnel', query: {} },
      { requestId: 'req-42', onError },
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ error: 'internal', message: 'the query failed', requestId: 'req-42' });
    expect(response.body).not.toContain('metrics_minute');
    expect(onError).toHaveBeenCalledWith(sqlError, { requestId: 'req-42', query: 'funnel', statusCode: 500 });
  });

  it('answers 503 with a retry hint when the store cannot be reached', async () => {
    const onError = vi.fn();
    const response = await handleQueryRequest(failingStore(refused), { path: '/query/timeseries', query: {} }, { onError });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    const body = JSON.parse(response.body) as { error: string; requestId: string };
    expect(body.error).toBe('store_unavailable');
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toContain('10.0.0.5');
    expect(onError).toHaveBeenCalledWith(refused, { requestId: body.requestId, query: 'timeseries', statusCode: 503 });
  });
});

describe('isStoreUnreachable', () => {
  it('recognises network, connection-class and shutdown failures, also wrapped', () => {
    expect(isStoreUnreachable(refused)).toBe(true);
    expect(isStoreUnreachable(new StoreUnavailableError('down'))).toBe(true);
    expect(isStoreUnreachable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isStoreUnreachable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isStoreUnreachable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isStoreUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStoreUnreachable(new AggregateError([refused], 'all attempts failed'))).toBe(true);
    expect(isStoreUnreachable(new Error('query failed', { cause: refused }))).toBe(true);
  });

  it('leaves other failures alone', () => {
    expect(isStoreUnreachable(sqlError)).toBe(false);
    expect(isStoreUnreachable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isStoreUnreachable('ECONNREFUSED')).toBe(false);
    expect(isStoreUnreachable(null)).toBe(false);
  });
});
