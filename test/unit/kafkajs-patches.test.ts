/**
 * The kafkajs patches against the kafkajs actually installed: each test drives the patched internal
 * as kafkajs does, so a kafkajs whose internals moved fails here (or in installKafkajsPatches()).
 */
import { createRequire } from 'node:module';
import { Zstd } from '@hpcc-js/wasm-zstd';
import kafkajs from 'kafkajs';
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import Decoder from 'kafkajs/src/protocol/decoder.js';
import decodeRecord from 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js';
import { compress as snappyCompress } from 'snappy';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { xerialBlocks } from '../../src/kafka/compression-codecs.js';
import { kafkajsHeaders } from '../../src/kafka/kafka-client.js';
import { assertPatchedKafkajsVersion, KafkajsPatchError } from '../../src/kafka/kafkajs-patch-error.js';
import { installKafkajsPatches } from '../../src/kafka/kafkajs-patches.js';
import { nextCheckDelay } from '../../src/kafka/kafkajs-request-queue-timer.js';
import { headersOf } from '../../src/kafka/kafkajs-wire-order-headers.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

beforeAll(() => installKafkajsPatches());
afterEach(() => vi.restoreAllMocks());

describe('the patched kafkajs', () => {
  it('is the exact version package.json pins', () => {
    const installed = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;

    expect(packageJson.dependencies.kafkajs).toBe(installed);
  });

  it('is the version the patches check for, and any other is refused', () => {
    expect(() => assertPatchedKafkajsVersion()).not.toThrow();
    expect(() => assertPatchedKafkajsVersion('2.3.0')).toThrow(KafkajsPatchError);
    expect(() => assertPatchedKafkajsVersion('2.3.0')).toThrow(
      'kafkajs 2.3.0 is installed (the kafkajs patches are written for kafkajs 2.2.4',
    );
  });

  it('installs once: a second install changes nothing', () => {
    const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
    const read = Decoder.prototype.readVarIntArray;
    installKafkajsPatches();

    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(schedule);
    expect(Decoder.prototype.readVarIntArray).toBe(read);
  });
});

describe('request queue timer', () => {
  const queue = () =>
    new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: true,
      clientId: 'unit',
      broker: 'b:1',
      logger: {},
    });

  it('schedules a never-throttled, idle queue after 1 ms, not at minus the epoch, and Node warns of nothing', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const q = queue();
    try {
      q.scheduleCheckPendingRequests();
      await new Promise((resolve) => setImmediate(resolve));

      expect(q.throttledUntil).toBe(-1);
      expect(timers.mock.calls.map((call) => call[1])).toEqual([1]);
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      q.destroy();
    }
  });

  it('keeps kafkajs delays: the throttle end when throttled, 10 ms when requests wait', () => {
    const now = 1_000_000;

    expect(nextCheckDelay({ pending: [], throttledUntil: -1 }, now)).toBe(1);
    expect(nextCheckDelay({ pending: [], throttledUntil: now + 250 }, now)).toBe(250);
    expect(nextCheckDelay({ pending: [{}], throttledUntil: now + 250 }, now)).toBe(250);
    expect(nextCheckDelay({ pending: [{}], throttledUntil: -1 }, now)).toBe(10);
    expect(nextCheckDelay({ pending: [{}], throttledUntil: now }, now)).toBe(10);
  });
});

/** Zigzag varint of a small number (-64..63), as Kafka writes lengths and deltas in a record. */
const varint = (n: number): number => {
  if (n < -64 || n > 63) throw new Error('test helper: small numbers only');
  return (n << 1) ^ (n >> 31);
};
const varBytes = (bytes: Buffer | null): Buffer =>
  bytes === null ? Buffer.from([varint(-1)]) : Buffer.concat([Buffer.from([varint(bytes.length)]), bytes]);

/** A record (v2 format, as inside a record batch) with these headers, in this order. */
function recordBytes(headers: readonly { key: string; value: Buffer | null }[]): Buffer {
  return Buffer.concat([
    Buffer.from([0, varint(0), varint(0)]), // attributes, timestamp delta, offset delta
    varBytes(Buffer.from('k')),
    varBytes(Buffer.from('v')),
    Buffer.from([varint(headers.length)]),
    ...headers.map((h) => Buffer.concat([varBytes(Buffer.from(h.key)), varBytes(h.value)])),
  ]);
}

describe('headers in wire order', () => {
  const wire = [
    { key: 'a', value: Buffer.from('1') },
    { key: 'b', value: null },
    { key: 'a', value: Buffer.from('3') },
    { key: 'e', value: Buffer.alloc(0) },
  ];

  it('keeps the order, repeated keys, null and empty values that kafkajs decoded', () => {
    const decoded = decodeRecord(new Decoder(recordBytes(wire)), { firstOffset: '0', firstTimestamp: '0' });

    expect(headersOf(decoded.headers)).toEqual(wire);
    // kafkajs's own view is unchanged: repeated keys folded under the first.
    expect(Object.keys(decoded.headers)).toEqual(['a', 'b', 'e']);
    expect(decoded.headers.a).toEqual([Buffer.from('1'), Buffer.from('3')]);
  });

  it('falls back to kafkajs folding for headers decoded elsewhere (repeated keys adjacent)', () => {
    expect(headersOf({ a: [Buffer.from('1'), Buffer.from('3')], b: 'x' })).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'a', value: Buffer.from('3') },
      { key: 'b', value: Buffer.from('x') },
    ]);
    expect(headersOf(undefined)).toEqual([]);
  });
});

describe('compression codecs', () => {
  // JSON-like text: compressible, as real batches are, and large enough to span several blocks.
  const text = Buffer.from(Array.from({ length: 4000 }, (_, i) => `{"eventId":"e-${i}","type":"page_view","n":${i * 7919}}`).join('\n'));
  const codec = (type: number) =>
    (
      CompressionCodecs as Record<
        number,
        () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }
      >
    )[type]?.();

  it.each([
    ['GZIP', CompressionTypes.GZIP],
    ['Snappy', CompressionTypes.Snappy],
    ['LZ4', CompressionTypes.LZ4],
    ['ZSTD', CompressionTypes.ZSTD],
  ])('%s: what kafkajs compresses it decompresses, smaller than the input', async (_name, type) => {
    const c = codec(type);
    if (!c) throw new Error(`no codec registered for type ${type}`);
    const compressed = await c.compress({ buffer: text });

    expect(compressed.length).toBeLessThan(text.length / 2);
    expect((await c.decompress(compressed)).equals(text)).toBe(true);
  });

  it('Snappy: reads xerial framing (Java producers) as well as raw blocks (librdkafka)', async () => {
    const halves = [text.subarray(0, 100_000), text.subarray(100_000)];
    const blocks = await Promise.all(halves.map((h) => snappyCompress(h)));
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const lengthOf = (block: Buffer) => {
      const length = Buffer.alloc(4);
      length.writeInt32BE(block.length);
      return length;
    };
    const framed = Buffer.concat([header, ...blocks.flatMap((block) => [lengthOf(block), block])]);

    expect(xerialBlocks(framed)).toHaveLength(2);
    expect((await codec(CompressionTypes.Snappy)?.decompress(framed))?.equals(text)).toBe(true);
    expect(() => xerialBlocks(framed.subarray(0, framed.length - 10))).toThrow(/runs past the data/);
  });

  it('ZSTD: reads frames that do not state their size (streaming compressors), however well they compress', async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const zstd = await Zstd.load();
    zstd.reset();
    const frame = Buffer.concat([zstd.compressChunk(zeros), zstd.compressEnd()]);

    expect(frame.length).toBeLessThan(zeros.length / 1000);
    // zstd's one-shot decoder guesses the size of such a frame, and guesses short here.
    expect(() => zstd.decompress(frame)).toThrow();
    expect((await codec(CompressionTypes.ZSTD)?.decompress(frame))?.equals(zeros)).toBe(true);
  });
});

describe('null header values on the way out', () => {
  it('kafkajs still cannot write one (if this fails, kafkajs fixed it: write null again)', () => {
    const encodeRecord = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
      record: object,
    ) => unknown;

    expect(() => encodeRecord({ key: null, value: Buffer.from('v'), headers: { h: null } })).toThrow(/Received null/);
  });

  it('the publisher writes it empty, key and order of values kept', () => {
    expect(kafkajsHeaders({ a: null, b: [Buffer.from('1'), null, 'x'], c: 'y' })).toEqual({
      a: Buffer.alloc(0),
      b: [Buffer.from('1'), Buffer.alloc(0), 'x'],
      c: 'y',
    });
  });
});
