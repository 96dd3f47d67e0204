/**
 * Raw events from newline-delimited JSON (a file or stdin) for `tributary produce`. Lines are split
 * on bytes, not decoded: each line's bytes become the record value exactly as written, so a line
 * that is not UTF-8 or not JSON reaches ingest as sent and lands in the DLQ with its reason.
 * (node:readline decodes to text and would replace bad bytes, so it is not used.)
 */
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { NdjsonLineTooLongError } from './errors.js';

export interface NdjsonRecord {
  /** 1-based line number in the input. */
  line: number;
  /** userId, else deviceId, when the line is a JSON object with one; else null. */
  key: string | null;
  value: Buffer;
  /** Why no key could be read (the record is still sent; ingest decides what it is). */
  problem?: string;
}

export interface NdjsonReadOptions {
  /** Longest line accepted; Kafka would refuse a bigger record anyway. @default 1 MiB */
  readonly maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/** Reads the entity key the way ingest will (userId, else deviceId), or says why there is none. */
export function keyOfLine(value: Buffer): { key: string | null; problem?: string } {
  if (!isUtf8(value)) return { key: null, problem: 'not UTF-8' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { key: null, problem: 'not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { key: null, problem: 'not a JSON object' };
  const { userId, deviceId } = parsed as Record<string, unknown>;
  if (typeof userId === 'string' && userId !== '') return { key: userId };
  if (typeof deviceId === 'string' && deviceId !== '') return { key: deviceId };
  return { key: null, problem: 'no userId or deviceId' };
}

/** Streams the non-blank lines of NDJSON input as raw records, in order. Throws NdjsonLineTooLongError for an over-long line. */
export async function* readNdjsonRecords(
  input: Readable | AsyncIterable<Buffer | string>,
  options: NdjsonReadOptions = {},
): AsyncGenerator<NdjsonRecord> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;

  const finish = (bytes: Buffer): NdjsonRecord | undefined => {
    line++;
    let value = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
    if (line === 1 && value.subarray(0, 3).equals(BOM)) value = value.subarray(3);
    if (isBlank(value)) return undefined;
    // Copy out of the read chunk so records do not pin the stream's buffers.
    const own = Buffer.from(value);
    return { line, value: own, ...keyOfLine(own) };
  };

  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE, start); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      if (pendingBytes + end - start > maxLineBytes) throw new NdjsonLineTooLongError(line + 1, maxLineBytes);
      const piece = bytes.subarray(start, end);
      const record = finish(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
      pending = [];
      pendingBytes = 0;
      start = end + 1;
      if (record) yield record;
    }
    if (start < bytes.length) {
      pendingBytes += bytes.length - start;
      if (pendingBytes > maxLineBytes) throw new NdjsonLineTooLongError(line + 1, maxLineBytes);
      pending.push(bytes.subarray(start));
    }
  }
  if (pending.length > 0) {
    const record = finish(Buffer.concat(pending));
    if (record) yield record;
  }
}
