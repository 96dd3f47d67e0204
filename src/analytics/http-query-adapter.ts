/**
 * HTTP face of the named queries, shared by the Lambda behind API Gateway and the local twin's
 * server: GET /query lists the queries, GET /query/{name}?params runs one.
 * 400 names the bad parameter, 404 an unknown query; store failures answer 503 (unreachable) or
 * 500 with a request id and no internals, and are passed to onError for the log.
 */
import { randomUUID } from 'node:crypto';
import type { SqlQueryable } from '../store/sql-client.js';
import { QueryParameterError, quoteForMessage, UnknownQueryError } from './errors.js';
import { namedQuery, QUERY_NAMES, type RunNamedQueryOptions, runNamedQuery } from './named-queries.js';
import type { RawParams } from './query-params.js';
import { isStoreUnreachable } from './store-failure.js';

export interface QueryHttpRequest {
  /** HTTP method; only GET is served. Omitted means GET. */
  method?: string;
  /** Request path; the part from "/query" on is what counts, so a stage or mount prefix is fine. */
  path: string;
  query: RawParams;
}

export interface QueryHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface QueryHttpOptions extends RunNamedQueryOptions {
  /** Id quoted in 5xx answers and logs; a fresh UUID when omitted. */
  requestId?: string;
  /** Called with every 5xx cause, for the log: the caller never sees its details. */
  onError?: (error: unknown, info: { requestId: string; query: string; statusCode: number }) => void;
}

const ROUTE = /(?:^|\/)query(?:\/([^/]*))?\/?$/;

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

function json(statusCode: number, body: unknown, extraHeaders: Record<string, string> = {}): QueryHttpResponse {
  return { statusCode, headers: { ...HEADERS, ...extraHeaders }, body: JSON.stringify(body) };
}

/** Answers one HTTP request for a named query. Never throws. */
export async function handleQueryRequest(
  db: SqlQueryable,
  request: QueryHttpRequest,
  options: QueryHttpOptions = {},
): Promise<QueryHttpResponse> {
  const method = (request.method ?? 'GET').toUpperCase();
  if (method !== 'GET') {
    return json(405, { error: 'method_not_allowed', message: `${quoteForMessage(method)} is not allowed; use GET` }, { allow: 'GET' });
  }
  const match = ROUTE.exec(request.path);
  if (!match) {
    return json(404, { error: 'not_found', message: 'use GET /query/{name}', queries: QUERY_NAMES });
  }
  const name = decodeName(match[1]);
  if (name === undefined) {
    return json(200, {
      queries: QUERY_NAMES.map((q) => ({ name: q, description: namedQuery(q).description, parameters: namedQuery(q).parameters })),
    });
  }
  try {
    const result = await runNamedQuery(db, name, request.query, options);
    return json(200, result);
  } catch (error) {
    if (error instanceof QueryParameterError) {
      return json(400, { error: 'bad_parameter', parameter: error.parameter, message: error.message });
    }
    if (error instanceof UnknownQueryError) {
      return json(404, { error: 'unknown_query', message: error.message, queries: error.known });
    }
    const requestId = options.requestId ?? randomUUID();
    const statusCode = isStoreUnreachable(error) ? 503 : 500;
    options.onError?.(error, { requestId, query: name, statusCode });
    if (statusCode === 503) {
      return json(
        503,
        { error: 'store_unavailable', message: 'the analytics store cannot be reached; retry shortly', requestId },
        { 'retry-after': '5' },
      );
    }
    return json(500, { error: 'internal', message: 'the query failed', requestId });
  }
}

function decodeName(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
