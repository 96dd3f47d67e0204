/**
 * The running twin's control API, served beside the dashboard, so CLI commands in other processes
 * ask the one process that owns the store and the embedded Kafka instead of opening them again:
 *   GET  /api/status                 who runs, where, counts and lag
 *   POST /api/sql                    one read-only statement {"sql": "..."}
 *   POST /api/stored-event-ids       which of {"ids": [...]} the store holds (DLQ replay)
 *   POST /api/groups/{stage}/seek    move a stage's consumer group to {"to": time|"earliest"|"latest"}
 *   POST /events                     the AWS http-ingest function's request handling, as on API Gateway
 * POST bodies must be application/json: a page on another site cannot send that without a CORS
 * preflight, which this server never grants.
 */
import type { IncomingMessage } from 'node:http';
import { DEFAULT_INGEST_LIMITS, handleIngestRequest } from '../../functions/http-ingest/ingest-request.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import { STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { SqlClient } from '../../src/store/sql-client.js';
import { SeekTo } from '../kafka/offsets-for-time.js';

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** What the API reads and moves in the running twin. */
export interface TwinApiContext {
  readonly store: SqlClient;
  readonly publisher: RecordPublisher;
  readonly rawTopic: string;
  status(): Promise<unknown>;
  /** Moves the stage's group, in its running mapping, to the first offsets at or after `to` (epoch ms or a SeekTo). */
  seek(stage: StageName, to: number): Promise<unknown>;
}

const SQL_TIMEOUT_MS = 30_000;
const MAX_IDS = 10_000;
const MAX_API_BODY = 1024 * 1024;

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;
const json = (statusCode: number, body: unknown): ApiResponse => ({ statusCode, headers: { ...HEADERS }, body: JSON.stringify(body) });
const refuse = (statusCode: number, error: string, message: string) => json(statusCode, { error, message });

/** Whether this server path belongs to the twin API. */
export function isTwinApiPath(pathname: string): boolean {
  return pathname === '/events' || pathname.startsWith('/api/');
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function isJson(req: IncomingMessage): boolean {
  return req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Parses a seek target: an ISO time, a duration ago (15m), "earliest" or "latest". */
export function parseSeekTarget(text: string, now = Date.now()): number | undefined {
  if (text === 'earliest') return SeekTo.earliest;
  if (text === 'latest') return SeekTo.latest;
  const ago = /^(\d+)(s|m|h|d)$/.exec(text);
  if (ago) return now - Number(ago[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'];
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** Answers a request under /api/ or /events. */
export async function handleTwinApiRequest(req: IncomingMessage, pathname: string, context: TwinApiContext): Promise<ApiResponse> {
  const method = req.method ?? 'GET';
  if (pathname === '/events') {
    // The Lambda's own request handling and answers; the body is read one byte past its limit to see it is over.
    const limit = DEFAULT_INGEST_LIMITS.maxBodyBytes;
    const body = await readBody(req, limit + 1);
    if (body === undefined) return refuse(413, 'body_too_large', `body is over ${limit} bytes; the limit is ${limit}`);
    return handleIngestRequest(
      { method, body: body.toString('utf8'), isBase64Encoded: false, contentType: req.headers['content-type'], receivedAt: Date.now() },
      { publisher: context.publisher, topic: context.rawTopic },
    );
  }
  if (pathname === '/api/status') {
    if (method !== 'GET') return refuse(405, 'method_not_allowed', 'use GET');
    return json(200, await context.status());
  }
  if (method !== 'POST') return refuse(405, 'method_not_allowed', 'use POST with a JSON body');
  if (!isJson(req)) return refuse(415, 'unsupported_media_type', 'content-type must be application/json');
  const raw = await readBody(req, MAX_API_BODY);
  if (raw === undefined) return refuse(413, 'body_too_large', `the body is over ${MAX_API_BODY} bytes`);
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return refuse(400, 'invalid_json', 'the body must be a JSON object');
  }

  if (pathname === '/api/sql') {
    if (typeof body.sql !== 'string' || body.sql.trim() === '') return refuse(400, 'bad_parameter', 'give {"sql": "<one select>"}');
    try {
      return json(200, await context.store.readOnlyQuery(body.sql, SQL_TIMEOUT_MS));
    } catch (error) {
      // PostgreSQL's own words: "cannot execute INSERT in a read-only transaction", syntax errors...
      return refuse(400, 'query_refused', error instanceof Error ? error.message : String(error));
    }
  }
  if (pathname === '/api/stored-event-ids') {
    const ids = body.ids;
    if (!Array.isArray(ids) || ids.length > MAX_IDS || !ids.every((id) => typeof id === 'string')) {
      return refuse(400, 'bad_parameter', `give {"ids": [...]} with at most ${MAX_IDS} strings`);
    }
    const rows = await context.store.query<{ event_id: string }>('SELECT event_id FROM events WHERE event_id = ANY($1::text[])', [ids]);
    return json(200, { stored: rows.map((r) => r.event_id) });
  }
  const seek = /^\/api\/groups\/([^/]+)\/seek$/.exec(pathname);
  if (seek) {
    const stage = seek[1] as StageName;
    if (!STAGE_NAMES.includes(stage)) return refuse(404, 'unknown_stage', `no stage "${seek[1]}"; stages: ${STAGE_NAMES.join(', ')}`);
    const to = typeof body.to === 'string' ? parseSeekTarget(body.to) : undefined;
    if (to === undefined) {
      return refuse(400, 'bad_parameter', 'give {"to": ...}: an ISO 8601 time, a duration ago (15m), "earliest" or "latest"');
    }
    try {
      return json(200, await context.seek(stage, to));
    } catch (error) {
      return refuse(502, 'seek_failed', `moving the ${stage} stage failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return refuse(404, 'not_found', `nothing at ${pathname}`);
}
