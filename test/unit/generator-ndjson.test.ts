import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NdjsonLineTooLongError, NdjsonPublishError } from '../../local/generator/errors.js';
import { produceNdjson } from '../../local/generator/ndjson-producer.js';
import { type NdjsonRecord, readNdjsonRecords } from '../../local/generator/ndjson-source.js';
import type { RecordPublisher } from '../../src/kafka/kafka-client.js';
import { collectingPublisher } from '../helpers/fixtures.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const LATIN1_LINE = Buffer.from('{"eventId":"e-9","type":"search","query":"café","userId":"u-9"}', 'latin1');
const SAMPLE = Buffer.concat([
  bytes('{"eventId":"e-1","type":"page_view","userId":"u-1","url":"/"}\n'),
  bytes('\n'),
  bytes('this is not json\n'),
  bytes('   \t\r\n'),
  bytes('{"eventId":"e-2","type":"purchase","sku":"SKU-00001"}\r\n'),
  bytes('{"eventId":"e-3","deviceId":"till-us01-1","note":"naïve ✓"}\n'),
  bytes('[1,2]\n'),
  LATIN1_LINE,
  bytes('\n{"userId":"u-last"}'),
]);

async function readAll(input: Readable, maxLineBytes?: number): Promise<NdjsonRecord[]> {
  const out: NdjsonRecord[] = [];
  for await (const r of readNdjsonRecords(input, maxLineBytes === undefined ? {} : { maxLineBytes })) out.push(r);
  return out;
}

/** The input cut into chunks of `size` bytes, so lines and multi-byte characters straddle chunks. */
const chunked = (buffer: Buffer, size: number) =>
  Readable.from(Array.from({ length: Math.ceil(buffer.length / size) }, (_, i) => buffer.subarray(i * size, (i + 1) * size)));

describe('readNdjsonRecords', () => {
  it('keeps each line as written, skips blank lines, keys by userId or deviceId and says why a line has no key', async () => {
    const records = await readAll(Readable.from([SAMPLE]));

    expect(records.map((r) => ({ line: r.line, key: r.key, problem: r.problem }))).toEqual([
      { line: 1, key: 'u-1', problem: undefined },
      { line: 3, key: null, problem: 'not JSON' },
      { line: 5, key: null, problem: 'no userId or deviceId' },
      { line: 6, key: 'till-us01-1', problem: undefined },
      { line: 7, key: null, problem: 'not a JSON object' },
      { line: 8, key: null, problem: 'not UTF-8' },
      { line: 9, key: 'u-last', problem: undefined },
    ]);
    // Bytes untouched: the Latin-1 line is not "repaired", CR of a CRLF ending is dropped, nothing re-serialised.
    expect(records[1]?.value.equals(bytes('this is not json'))).toBe(true);
    expect(records[2]?.value.equals(bytes('{"eventId":"e-2","type":"purchase","sku":"SKU-00001"}'))).toBe(true);
    expect(records[3]?.value.equals(bytes('{"eventId":"e-3","deviceId":"till-us01-1","note":"naïve ✓"}'))).toBe(true);
    expect(records[5]?.value.equals(LATIN1_LINE)).toBe(true);
  });

  it('reads the same records whatever the chunking, even with characters split across chunks', async () => {
    const whole = await readAll(Readable.from([SAMPLE]));
    for (const size of [1, 3, 7, 64]) {
      const pieces = await readAll(chunked(SAMPLE, size));
      expect(pieces.map((r) => [r.line, r.key, r.value.toString('hex')])).toEqual(
        whole.map((r) => [r.line, r.key, r.value.toString('hex')]),
      );
    }
  });

  it('accepts text chunks (stdin with an encoding set) and a byte-order mark at the start', async () => {
    const records = await readAll(Readable.from(['\uFEFF{"userId":"u-1"}\n{"userId":', '"u-2"}\n']));
    expect(records.map((r) => [r.line, r.key, r.value.toString('utf8')])).toEqual([
      [1, 'u-1', '{"userId":"u-1"}'],
      [2, 'u-2', '{"userId":"u-2"}'],
    ]);
  });

  it('stops with the line number when a line is too long to be an event', async () => {
    const input = Buffer.concat([bytes('{"userId":"u-1"}\n'), bytes(`{"userId":"u-2","x":"${'y'.repeat(200)}"}\n`)]);
    const error = await readAll(chunked(input, 16), 100).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NdjsonLineTooLongError);
    expect((error as Error).message).toBe('line 2 is longer than 100 bytes; is this newline-delimited JSON?');
  });
});

describe('produceNdjson', () => {
  it('publishes every non-blank line in batches and reports lines sent without a key', async () => {
    const publisher = collectingPublisher();
    const problems: string[] = [];

    const result = await produceNdjson({
      input: Readable.from([SAMPLE]),
      publisher,
      topic: 'raw',
      batchSize: 3,
      onProblem: (line, problem) => problems.push(`line ${line}: ${problem}`),
    });

    expect(result).toEqual({ acknowledged: 7, withoutKey: 4, lastLine: 9 });
    expect(problems).toEqual(['line 3: not JSON', 'line 5: no userId or deviceId', 'line 7: not a JSON object', 'line 8: not UTF-8']);
    expect(publisher.records.map((r) => r.key)).toEqual(['u-1', null, null, 'till-us01-1', null, null, 'u-last']);
    expect(publisher.records.every((r) => r.topic === 'raw' && Buffer.isBuffer(r.value))).toBe(true);
  });

  it('says how far it got when Kafka refuses a batch', async () => {
    let calls = 0;
    const publisher: RecordPublisher = {
      async publish() {
        if (++calls === 2) throw new Error('broker down');
      },
      async close() {},
    };

    const error = await produceNdjson({ input: Readable.from([SAMPLE]), publisher, topic: 'raw', batchSize: 2 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NdjsonPublishError);
    expect(error).toMatchObject({
      acknowledged: 2,
      lastAcknowledgedLine: 3,
      message: 'publishing to raw failed at lines 5-6 (2 records acknowledged, through line 3): broker down',
    });
  });
});
