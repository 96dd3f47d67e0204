/**
 * Record headers in the order they were written. kafkajs 2.2.4 folds a record's headers into an
 * object (`{a: [v1, v3], b: v2}` for a, b, a), which loses the order of interleaved repeated keys.
 * The patch keeps the list kafkajs decoded beside that object, under a symbol, and headersOf()
 * reads it; messages decoded without the patch fall back to the folded order.
 */
import Decoder from 'kafkajs/src/protocol/decoder.js';
import decodeHeader from 'kafkajs/src/protocol/recordBatch/header/v0/decoder.js';
import decodeRecord from 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js';
import { compactSource, KafkajsPatchError } from './kafkajs-patch-error.js';
import type { RecordHeader } from './msk-event.js';

const WIRE_ORDER = Symbol.for('tributary.kafkajs.wireOrderHeaders');
const PATCHED = Symbol.for('tributary.kafkajs.wireOrderHeadersPatch');

type DecodedHeader = ReturnType<typeof decodeHeader>;
type DecoderPrototype = InstanceType<typeof Decoder> & { [PATCHED]?: true };

/**
 * The record decoder reads the headers with `readVarIntArray(HeaderDecoder)` and folds the array
 * with `reduce`; this array's reduce also attaches the list itself to the folded object.
 */
function keepingWireOrder(headers: DecodedHeader[]): DecodedHeader[] {
  Object.defineProperty(headers, 'reduce', {
    value(this: DecodedHeader[], ...args: Parameters<DecodedHeader[]['reduce']>): unknown {
      const folded: unknown = Array.prototype.reduce.apply(this, args);
      if (folded !== null && typeof folded === 'object') Object.defineProperty(folded, WIRE_ORDER, { value: headers });
      return folded;
    },
  });
  return headers;
}

export function installWireOrderHeaders(): void {
  const proto = Decoder.prototype as DecoderPrototype;
  if (proto[PATCHED]) return;
  const recordDecoder = compactSource(decodeRecord);
  if (typeof proto.readVarIntArray !== 'function' || !/\.readVarIntArray\([\w$]+\)\.reduce\(/.test(recordDecoder)) {
    throw new KafkajsPatchError('kafkajs no longer folds record headers with readVarIntArray(HeaderDecoder).reduce()');
  }
  const readVarIntArray = proto.readVarIntArray;
  proto.readVarIntArray = function readVarIntArrayKeepingHeaders<T>(this: Decoder, reader: (decoder: Decoder) => T): T[] {
    const items = readVarIntArray.call(this, reader) as T[];
    // No headers: kafkajs's empty fold says all there is.
    if (items.length === 0 || reader !== (decodeHeader as unknown)) return items;
    return keepingWireOrder(items as DecodedHeader[]) as T[];
  };
  proto[PATCHED] = true;
}

type HeaderBytes = Buffer | string | null;

/** A message's headers as kafkajs hands them over: its IHeaders, plus the null values its types leave out. */
export type MessageHeaders = Readonly<Record<string, HeaderBytes | HeaderBytes[] | undefined>>;

function bytes(value: HeaderBytes): Buffer | null {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * A kafkajs message's headers as a list: wire order, repeated keys and null values kept. Without
 * the patch, repeated keys come out adjacent (kafkajs's fold keeps each key's values in order).
 */
export function headersOf(headers: MessageHeaders | undefined): RecordHeader[] {
  if (!headers) return [];
  const inWireOrder = (headers as { [WIRE_ORDER]?: DecodedHeader[] })[WIRE_ORDER];
  if (inWireOrder) return inWireOrder.map(({ key, value }) => ({ key, value }));
  const out: RecordHeader[] = [];
  for (const [key, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) out.push({ key, value: bytes(value) });
  }
  return out;
}
