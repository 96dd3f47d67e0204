import { describe, expect, it } from 'vitest';
import { createStageHandler } from '../../functions/shared/stage-handlers.js';
import { DlqHeader } from '../../src/kafka/header-names.js';
import { decodeMskEvent } from '../../src/kafka/msk-event-codec.js';
import { pipeline } from '../../src/pipeline/definition.js';
import type { StageOutcome } from '../../src/stages/stage-outcome.js';
import { collectingPublisher, headerText, loadEvent, silentLogger } from '../helpers/fixtures.js';

function setup() {
  const publisher = collectingPublisher();
  const outcomes: StageOutcome[] = [];
  const handler = createStageHandler('ingest', { pipeline, publisher, logger: silentLogger, onOutcome: (o) => outcomes.push(o) });
  return { publisher, outcomes, handler };
}

describe('ingest handler', () => {
  it('sends every valid record to clean, keyed by user or device, headers kept', async () => {
    const { publisher, outcomes, handler } = setup();
    const event = loadEvent('ingest/valid-batch.json');

    const response = await handler(event);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(publisher.records.map((r) => r.topic)).toEqual(Array(8).fill(pipeline.topics.clean.name));
    expect(publisher.records.map((r) => r.key)).toEqual(['u-100', 'u-200', 'u-200', 'till-07', 'u-100', 'u-200', 'u-200', 'bot-1']);
    expect(headerText(publisher.records[0] ?? ({} as never), 'origin')).toBe('café-ë');
    expect(outcomes).toEqual([{ stage: 'ingest', records: 8, passed: 8, dlq: {} }]);
  });

  it('sends each invalid kind to the DLQ with its reason, original bytes and source coordinates', async () => {
    const { publisher, outcomes, handler } = setup();
    const event = loadEvent('ingest/invalid-records.json');
    const inputs = decodeMskEvent(event);

    await handler(event);

    expect(publisher.records).toHaveLength(inputs.length);
    for (const [i, out] of publisher.records.entries()) {
      const input = inputs[i];
      expect(out.topic).toBe(pipeline.topics.dlq.name);
      expect(headerText(out, DlqHeader.reason)).toBe(headerText(out, 'expect-reason'));
      expect(headerText(out, DlqHeader.stage)).toBe('ingest');
      expect(headerText(out, DlqHeader.topic)).toBe(input?.topic);
      expect(headerText(out, DlqHeader.partition)).toBe(String(input?.partition));
      expect(headerText(out, DlqHeader.offset)).toBe(String(input?.offset));
      expect(out.value).toEqual(input?.value);
      expect(out.key).toEqual(input?.key);
    }
    expect(Object.keys(outcomes[0]?.dlq ?? {})).toHaveLength(inputs.length);
  });

  it('routes the AWS sample (plain text values) to the DLQ as NOT_JSON', async () => {
    const { publisher, handler } = setup();

    await handler(loadEvent('ingest/aws-sample.json'));

    expect(publisher.records.map((r) => headerText(r, DlqHeader.reason))).toEqual(['NOT_JSON', 'NOT_JSON']);
  });

  it('throws when the broker cannot take the output, so the batch is retried', async () => {
    const { publisher, outcomes, handler } = setup();
    publisher.failWith = new Error('broker unreachable');

    await expect(handler(loadEvent('ingest/valid-batch.json'))).rejects.toThrow('broker unreachable');
    expect(outcomes).toEqual([]);
  });
});
