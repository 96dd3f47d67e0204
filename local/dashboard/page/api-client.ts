/** Asking this server's query API: URLs of named questions, and JSON answers or an ApiError. */
import type { QueryResult } from '../../../src/analytics/index.js';
import { REQUEST_TIMEOUT_MS } from './settings.js';

/** A failed request; status 0 when no HTTP answer came, 200 when an answer came but could not be drawn. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body of a JSON answer; throws ApiError for no answer, an HTTP error or a body that is not JSON. */
export async function getJson(path: string): Promise<QueryResult> {
  let response: Response;
  try {
    response = await fetch(path, { cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new ApiError(0, timedOut ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : 'the dashboard server cannot be reached');
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: reported below by status.
  }
  if (!response.ok) throw new ApiError(response.status, errorMessage(body) || `HTTP ${response.status}`);
  if (body === null) throw new ApiError(response.status, 'the answer is not JSON');
  return body as QueryResult;
}

/** The API's own message in an error answer ({ "message": ... }), or ''. */
function errorMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null || !('message' in body)) return '';
  return typeof body.message === 'string' ? body.message : '';
}

export function queryUrl(name: string, params: Readonly<Record<string, string>>): string {
  return `/query/${encodeURIComponent(name)}?${new URLSearchParams(params)}`;
}

/** The question a result answered, with its window fixed: its params without `last` (from/to say it). */
export function fixedQueryUrl(result: QueryResult): string {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.params)) if (key !== 'last') params[key] = String(value);
  return queryUrl(result.name, params);
}
