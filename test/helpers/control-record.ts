/**
 * Writes a transaction marker (a control batch holding one COMMIT control record) to a partition,
 * as a broker does when a transaction commits. librdkafka's mock cluster writes no markers of its
 * own but stores the batch a client sends, so tests use this to put control records in a topic.
 * Sent as a raw Produce v3 request: no Kafka client writes control batches.
 */
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';

const crc32C = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const COMMIT = 1;

const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const string = (s: string) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
/** Zigzag varint of a number below 64, enough for the sizes here. */
const varint = (n: number) => Buffer.from([n * 2]);

/** A record batch (magic 2) with one COMMIT control record. */
function controlBatch(producerId: bigint): Buffer {
  const key = Buffer.concat([int16(0), int16(COMMIT)]); // version, type
  const value = Buffer.concat([int16(0), int32(0)]); // version, coordinator epoch
  const body = Buffer.concat([Buffer.from([0]), varint(0), varint(0), varint(key.length), key, varint(value.length), value, varint(0)]);
  const now = BigInt(Date.now());
  const checked = Buffer.concat([
    int16(TRANSACTIONAL | CONTROL),
    int32(0), // last offset delta
    int64(now),
    int64(now),
    int64(producerId),
    int16(0), // producer epoch
    int32(-1), // base sequence
    int32(1), // records
    varint(body.length),
    body,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32C(checked) >>> 0);
  const afterLength = Buffer.concat([int32(-1), Buffer.from([2]), crc, checked]); // leader epoch, magic, crc
  return Buffer.concat([int64(0n), int32(afterLength.length), afterLength]);
}

/** Appends a COMMIT marker to topic-partition on its leader (`host:port`); resolves with the marker's offset. */
export async function appendCommitMarker(leader: string, topic: string, partition: number, producerId = 4242n): Promise<number> {
  const batch = controlBatch(producerId);
  const request = Buffer.concat([
    int16(0), // Produce
    int16(3),
    int32(1), // correlation id
    string('control-record-test'),
    int16(-1), // no transactional id
    int16(-1), // acks: all
    int32(10_000),
    int32(1),
    string(topic),
    int32(1),
    int32(partition),
    int32(batch.length),
    batch,
  ]);
  const [host, port] = leader.split(':');
  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = createConnection({ host, port: Number(port) }, () => socket.write(Buffer.concat([int32(request.length), request])));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
  // size, correlation id, [topic name, [partition, error code, base offset, ...]]
  let at = 4 + 4 + 4;
  at += 2 + response.readInt16BE(at) + 4 + 4;
  const errorCode = response.readInt16BE(at);
  if (errorCode !== 0) throw new Error(`the broker refused the control batch: error ${errorCode}`);
  return Number(response.readBigInt64BE(at + 2));
}
