/**
 * HTTP ingest: a JSON batch of raw events (`{"events": [...]}` or a bare array) checked for size
 * and schema, then produced to the raw topic keyed by entity. All or nothing: when any event is
 * invalid, none is produced and the 422 answer lists every bad event by index with its reason,
 * so the client fixes and resends the batch. Answers 202 once Kafka acknowledged every record.
 */
import { validateRawEvent } from '../../src/events/validate-raw-event.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../src/kafka/msk-event.js';

export interface IngestLimits {
  /** Largest request body, in bytes after base64 decoding. */
  readonly maxBodyBytes: number;
  /** Most events in one request. */
  readonly maxEvents: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = { maxBodyBytes: 1024 * 1024, maxEvents: 500 };

export interface IngestHttpRequest {
  readonly method: string;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly contentType: string | undefined;
  /** Arrival time, epoch ms. */
  readonly receivedAt: number;
}

export interface IngestHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface EventError {
  readonly index: number;
  readonly reason: string;
  readonly detail: string;
}

export interface IngestOptions {
  readonly publisher: RecordPublisher;
  /** The raw topic. */
  readonly topic: string;
  readonly limits?: IngestLimits;
  /** Called with a failed publish, for the log; the caller only sees 503. */
  readonly onPublishError?: (error: unknown) => void;
}

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

function json(statusCode: number, body: unknown, extraHeaders: Record<string, string> = {}): IngestHttpResponse {
  return { statusCode, headers: { ...HEADERS, ...extraHeaders }, body: JSON.stringify(body) };
}

const refuse = (statusCode: number, error: string, message: string, extra: Record<string, unknown> = {}) =>
  json(statusCode, { error, message, ...extra });

/** Answers one ingest request. Never throws. */
export async function handleIngestRequest(request: IngestHttpRequest, options: IngestOptions): Promise<IngestHttpResponse> {
  const limits = options.limits ?? DEFAULT_INGEST_LIMITS;
  if (request.method.toUpperCase() !== 'POST') {
    return refuse(405, 'method_not_allowed', `${request.method} is not allowed; use POST`);
  }
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== undefined && mediaType !== 'application/json') {
    return refuse(415, 'unsupported_media_type', `content-type must be application/json, got ${JSON.stringify(request.contentType)}`);
  }
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > limits.maxBodyBytes) {
    return refuse(413, 'body_too_large', `body is ${body.length} bytes; the limit is ${limits.maxBodyBytes}`);
  }
  if (body.length === 0) return refuse(400, 'empty_body', 'send {"events": [...]} with at least one event');

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return refuse(400, 'invalid_json', `body is not JSON: ${(error as Error).message}`);
  }
  const events = Array.isArray(parsed)
    ? parsed
    : parsed !== null && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
      ? (parsed as { events: unknown[] }).events
      : undefined;
  if (!events) return refuse(400, 'invalid_body', 'body must be {"events": [...]} or a JSON array of events');
  if (events.length === 0) return refuse(400, 'empty_batch', 'the batch has no events');
  if (events.length > limits.maxEvents) {
    return refuse(413, 'too_many_events', `the batch has ${events.length} events; the limit is ${limits.maxEvents}`);
  }

  const records: OutputRecord[] = [];
  const errors: EventError[] = [];
  events.forEach((event, index) => {
    const value = JSON.stringify(event);
    const result = validateRawEvent(Buffer.from(value, 'utf8'), request.receivedAt);
    if (result.ok) records.push({ topic: options.topic, key: result.key, value, headers: {} });
    else errors.push({ index, reason: result.reason, detail: result.detail });
  });
  if (errors.length > 0) {
    return refuse(422, 'invalid_events', `${errors.length} of ${events.length} events are invalid; none were accepted`, { errors });
  }

  try {
    await options.publisher.publish(records);
  } catch (error) {
    options.onPublishError?.(error);
    return json(
      503,
      { error: 'unavailable', message: 'the events could not be written; none are guaranteed stored, retry the batch' },
      { 'retry-after': '1' },
    );
  }
  return json(202, { accepted: records.length });
}
