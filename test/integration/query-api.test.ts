/**
 * The query API over a real PostgreSQL server: the HTTP adapter for every named query (200),
 * bad parameters (400), unknown queries (404), a failing store (500) and an unreachable one (503);
 * and the Lambda handler on API Gateway HTTP API (payload 2.0) events.
 */
import { createServer } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleQueryRequest, QUERY_NAMES, type QueryResult, runNamedQuery } from '../../src/analytics/index.js';
import { createPostgresClient } from '../../src/store/postgres-client.js';
import { buildAnalyticsFixture, insertAnalyticsFixture } from '../helpers/analytics-fixture.js';
import { postgresTestStore, type TestStore } from '../helpers/stores.js';

const NOW = new Date('2025-03-01T12:00:30.500Z');
const fixture = buildAnalyticsFixture({ now: NOW, seed: 11, sessions: 200 });
const FROM = '2025-03-01T11:00:00Z';
const TO = '2025-03-01T12:01:00Z';

const requests: Record<string, Record<string, string>> = {
  timeseries: { metric: 'revenue_usd', split: 'category', last: '1h' },
  top: { dimension: 'event_type', last: '1h' },
  funnel: { by: 'user', last: '1h' },
  freshness: { last: '1h', bucket: '10m' },
  pipeline: { last: '1h' },
};

const badRequests: [string, Record<string, string>, string][] = [
  ['timeseries', { bucket: '90s' }, 'bucket'],
  ['timeseries', { split: 'user_id' }, 'split'],
  ['top', { dimension: 'sku', n: '1000' }, 'n'],
  ['top', { metric: 'events' }, 'dimension'],
  ['funnel', { by: 'cookie' }, 'by'],
  ['freshness', { last: 'an hour' }, 'last'],
  ['pipeline', { from: '2025-03-01' }, 'from'],
  ['pipeline', { since: '1h' }, 'since'],
];

describe('query API on PostgreSQL', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await postgresTestStore();
    await insertAnalyticsFixture(store.client, fixture);
  });
  afterAll(async () => {
    await store?.dispose();
  });

  it.each(QUERY_NAMES)('GET /query/%s answers 200 with the named query result', async (name) => {
    const params = requests[name] ?? {};
    const response = await handleQueryRequest(store.client, { method: 'GET', path: `/query/${name}`, query: params }, { now: NOW });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(response.body) as QueryResult;
    expect(body).toEqual(await runNamedQuery(store.client, name, params, { now: NOW }));
    expect(body.rows.length).toBeGreaterThan(0);
  });

  it('serves numbers as JSON numbers and an answer computed from the stored events', async () => {
    const response = await handleQueryRequest(
      store.client,
      { path: '/query/top', query: { dimension: 'event_type', n: '100', from: FROM, to: TO } },
      { now: NOW },
    );
    const body = JSON.parse(response.body) as QueryResult;
    const inWindow = fixture.events.filter((e) => e.eventTime >= new Date(FROM) && e.eventTime < new Date(TO));
    const counts = new Map<string, number>();
    for (const e of inWindow) counts.set(e.eventType, (counts.get(e.eventType) ?? 0) + 1);
    expect(Object.fromEntries(body.rows.map((r) => [r[0], r[1]]))).toEqual(Object.fromEntries(counts));
    expect(body.rows.every((r) => typeof r[1] === 'number')).toBe(true);
  });

  it.each(badRequests)('GET /query/%s with %j answers 400 naming "%s"', async (name, params, parameter) => {
    const response = await handleQueryRequest(store.client, { path: `/query/${name}`, query: params }, { now: NOW });
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body) as { error: string; parameter: string; message: string };
    expect(body.error).toBe('bad_parameter');
    expect(body.parameter).toBe(parameter);
    expect(body.message).toMatch(new RegExp(`^parameter "${parameter}": `));
  });

  it('answers 404 for an unknown query', async () => {
    const response = await handleQueryRequest(store.client, { path: '/query/users', query: {} });
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'unknown_query', queries: QUERY_NAMES });
  });

  it('answers 500 with a request id and no internals when the store fails', async () => {
    await store.client.query('ALTER TABLE freshness_minute RENAME TO freshness_minute_moved');
    try {
      const causes: unknown[] = [];
      const response = await handleQueryRequest(
        store.client,
        { path: '/query/freshness', query: {} },
        { requestId: 'r-1', onError: (e) => causes.push(e) },
      );
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({ error: 'internal', message: 'the query failed', requestId: 'r-1' });
      expect(String(causes[0])).toContain('freshness_minute');
    } finally {
      await store.client.query('ALTER TABLE freshness_minute_moved RENAME TO freshness_minute');
    }
  });

  it('answers 503 when the store cannot be reached', async () => {
    const port = await closedPort();
    const unreachable = createPostgresClient({ host: '127.0.0.1', port, user: 'postgres', database: 'test' });
    try {
      const response = await handleQueryRequest(unreachable, { path: '/query/timeseries', query: {} });
      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body)).toMatchObject({ error: 'store_unavailable' });
      expect(response.body).not.toContain(String(port));
    } finally {
      await unreachable.close();
    }
  });

  describe('Lambda handler', () => {
    let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode?: number; body?: string }>;

    beforeAll(async () => {
      process.env.DATABASE_URL = store.url;
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      ({ handler } = await import('../../functions/query/handler.js'));
    });
    afterAll(() => {
      delete process.env.DATABASE_URL;
      delete process.env.POWERTOOLS_LOG_LEVEL;
    });

    const baseEvent: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: 'GET /query/{name}',
      rawPath: '/query/funnel',
      rawQueryString: '',
      headers: { accept: 'application/json' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'api1234567',
        domainName: 'api1234567.execute-api.eu-west-1.amazonaws.com',
        domainPrefix: 'api1234567',
        http: { method: 'GET', path: '/query/funnel', protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'curl/8.5.0' },
        requestId: 'JKJaXmPLvHcESHA=',
        routeKey: 'GET /query/{name}',
        stage: '$default',
        time: '01/Mar/2025:12:00:30 +0000',
        timeEpoch: 1740830430500,
      },
      pathParameters: { name: 'funnel' },
      isBase64Encoded: false,
    };
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: 'tributary-query',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tributary-query',
      memoryLimitInMB: '256',
      awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      logGroupName: '/aws/lambda/tributary-query',
      logStreamName: '2025/03/01/[$LATEST]abcdef',
      getRemainingTimeInMillis: () => 10_000,
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
    const eventFor = (name: string, query?: Record<string, string>): APIGatewayProxyEventV2 => {
      const event = structuredClone(baseEvent);
      event.rawPath = `/query/${name}`;
      event.requestContext.http.path = event.rawPath;
      event.pathParameters = { name };
      if (query) {
        event.queryStringParameters = query;
        event.rawQueryString = new URLSearchParams(query).toString();
      }
      return event;
    };

    it('answers a named query from the database in DATABASE_URL', async () => {
      const response = await handler(eventFor('funnel', { from: FROM, to: TO }), context);
      expect(response.statusCode).toBe(200);
      const body = JSON.parse(response.body ?? '') as QueryResult;
      expect(body.rows).toEqual((await runNamedQuery(store.client, 'funnel', { from: FROM, to: TO })).rows);
    });

    it('says per-stage figures are not available on AWS', async () => {
      const body = JSON.parse((await handler(eventFor('pipeline', { from: FROM, to: TO }), context)).body ?? '') as QueryResult;
      expect(body.notes.join(' ')).toContain('no pipeline status source');
    });

    it('answers 400 and 404 as the adapter does; a request without a query string gets the defaults', async () => {
      expect((await handler(eventFor('top', { dimension: 'zip' }), context)).statusCode).toBe(400);
      expect((await handler(eventFor('nope'), context)).statusCode).toBe(404);
      expect((await handler(eventFor('freshness'), context)).statusCode).toBe(200);
    });
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
