/** The HTTP ingest request handling, with the sample raw events and a publisher that records what it is given. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleIngestRequest, type IngestHttpRequest } from '../../../functions/http-ingest/ingest-request.js';
import { PROJECT_ROOT } from '../../../infra/functions/function-bundling.js';
import type { RecordPublisher } from '../../../src/kafka/kafka-client.js';
import type { OutputRecord } from '../../../src/kafka/msk-event.js';

const SAMPLES = readFileSync(join(PROJECT_ROOT, 'events', 'raw', 'storefront.ndjson'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const RECEIVED_AT = Date.parse('2026-11-20T12:05:00Z');
const TOPIC = 'storefront-raw';

class RecordingPublisher implements RecordPublisher {
  readonly published: OutputRecord[][] = [];
  failWith: Error | undefined;
  async publish(records: readonly OutputRecord[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push([...records]);
  }
  async close(): Promise<void> {}
}

let publisher: RecordingPublisher;
beforeEach(() => {
  publisher = new RecordingPublisher();
});

const post = (body: unknown, overrides: Partial<IngestHttpRequest> = {}) =>
  handleIngestRequest(
    {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      isBase64Encoded: false,
      contentType: 'application/json',
      receivedAt: RECEIVED_AT,
      ...overrides,
    },
    { publisher, topic: TOPIC, limits: { maxBodyBytes: 64 * 1024, maxEvents: 10 } },
  );
const answer = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('handleIngestRequest', () => {
  it('produces a valid batch to the raw topic, keyed by entity, as the client sent each event', async () => {
    const response = await post({ events: SAMPLES });
    expect(response.statusCode).toBe(202);
    expect(answer(response)).toEqual({ accepted: SAMPLES.length });
    expect(publisher.published).toHaveLength(1);
    const records = publisher.published[0] ?? [];
    expect(records.map((r) => r.topic)).toEqual(SAMPLES.map(() => TOPIC));
    expect(records.map((r) => r.key)).toEqual(SAMPLES.map((e) => e.userId ?? e.deviceId));
    expect(records.map((r) => JSON.parse(String(r.value)))).toEqual(SAMPLES);
  });

  it('accepts a bare JSON array and a base64-encoded body too', async () => {
    expect((await post(SAMPLES.slice(0, 2))).statusCode).toBe(202);
    const encoded = Buffer.from(JSON.stringify({ events: SAMPLES.slice(0, 1) })).toString('base64');
    expect((await post(encoded, { isBase64Encoded: true })).statusCode).toBe(202);
    expect(publisher.published.map((batch) => batch.length)).toEqual([2, 1]);
  });

  it('refuses the whole batch with 422 when any event is invalid, naming each by index and reason', async () => {
    const events = [SAMPLES[0], { ...SAMPLES[1], type: 'teleport' }, SAMPLES[2], { ...SAMPLES[3], occurredAt: 'yesterday' }];
    const response = await post({ events });
    expect(response.statusCode).toBe(422);
    expect(answer(response)).toEqual({
      error: 'invalid_events',
      message: '2 of 4 events are invalid; none were accepted',
      errors: [
        { index: 1, reason: 'UNKNOWN_TYPE', detail: 'type "teleport" is not a known event type' },
        { index: 3, reason: 'INVALID_TIMESTAMP', detail: expect.stringContaining('occurredAt "yesterday"') },
      ],
    });
    expect(publisher.published).toEqual([]);
  });

  it.each([
    ['not JSON', '{"events": [', 400, 'invalid_json'],
    ['not a batch', { event: {} }, 400, 'invalid_body'],
    ['an empty batch', { events: [] }, 400, 'empty_batch'],
    ['an empty body', '', 400, 'empty_body'],
    ['too many events', { events: Array.from({ length: 11 }, () => SAMPLES[0]) }, 413, 'too_many_events'],
    ['too large a body', { events: [{ ...SAMPLES[0], padding: 'x'.repeat(70 * 1024) }] }, 413, 'body_too_large'],
  ])('refuses %s with a clear 4xx', async (_, body, status, error) => {
    const response = await post(body);
    expect(response.statusCode).toBe(status);
    expect(answer(response)).toMatchObject({ error, message: expect.any(String) });
    expect(publisher.published).toEqual([]);
  });

  it('refuses other methods and media types', async () => {
    expect((await post({ events: SAMPLES }, { method: 'GET' })).statusCode).toBe(405);
    const response = await post({ events: SAMPLES }, { contentType: 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(answer(response).message).toBe('content-type must be application/json, got "text/plain"');
    expect((await post({ events: SAMPLES }, { contentType: 'application/json; charset=utf-8' })).statusCode).toBe(202);
  });

  it('answers 503 with retry advice when Kafka does not acknowledge the batch', async () => {
    publisher.failWith = new Error('broker unreachable');
    const response = await post({ events: SAMPLES });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(answer(response).error).toBe('unavailable');
  });
});
