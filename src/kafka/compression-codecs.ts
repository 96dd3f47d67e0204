/**
 * Snappy, LZ4 and ZSTD for kafkajs, which ships GZIP only and fails a fetch that meets a batch
 * compressed otherwise ("LZ4 compression not implemented"). Producers choose the codec, and Lambda's
 * pollers read all four, so every kafkajs consumer here must too.
 *
 * The codec packages load on first use. Lambda functions never decode a batch (Lambda's poller
 * does) and produce uncompressed, so function bundles leave the packages out
 * (infra/functions/function-bundling.ts); the twin's consumers load them when a batch needs them.
 */
import kafkajs from 'kafkajs';

// Node's named-export detection misses CompressionCodecs in kafkajs's CommonJS index.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** What kafkajs calls: compress gets its Encoder, decompress the compressed records. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

export class CompressionCodecError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CompressionCodecError';
  }
}

/**
 * Java producers write snappy in xerial's framing: this magic, two int32 versions, then blocks of
 * (int32 length, raw snappy). librdkafka writes raw snappy. Both are read; raw is written.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 8;

/** The raw snappy blocks of a xerial-framed buffer, or null when it is not framed. */
export function xerialBlocks(buffer: Buffer): Buffer[] | null {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return null;
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    if (at + 4 > buffer.length) throw new CompressionCodecError('snappy (xerial framing): truncated block length');
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > buffer.length)
      throw new CompressionCodecError(`snappy (xerial framing): block of ${length} bytes runs past the data`);
    blocks.push(buffer.subarray(at, at + length));
    at += length;
  }
  return blocks;
}

const snappy: KafkajsCodec = {
  async compress(encoder) {
    const { compress } = await import('snappy');
    return compress(encoder.buffer);
  },
  async decompress(buffer) {
    const { uncompress } = await import('snappy');
    const raw = async (block: Buffer): Promise<Buffer> => Buffer.from(await uncompress(block, { asBuffer: true }));
    const blocks = xerialBlocks(buffer);
    return blocks ? Buffer.concat(await Promise.all(blocks.map(raw))) : raw(buffer);
  },
};

/** Kafka's LZ4 is the LZ4 frame format (record batch v2 fixed the header checksum of older versions). */
const lz4: KafkajsCodec = {
  async compress(encoder) {
    const { compressFrame } = await import('lz4-napi');
    return compressFrame(encoder.buffer);
  },
  async decompress(buffer) {
    const { decompressFrame } = await import('lz4-napi');
    return decompressFrame(buffer);
  },
};

/**
 * zstd: fzstd (plain JavaScript) reads every frame, including those without a content size that
 * streaming compressors such as Java's write; zstd's own code (WebAssembly, one instance per
 * process) writes.
 */
const zstd: KafkajsCodec = {
  async compress(encoder) {
    const { Zstd } = await import('@hpcc-js/wasm-zstd');
    return Buffer.from((await Zstd.load()).compress(encoder.buffer));
  },
  async decompress(buffer) {
    const { decompress } = await import('fzstd');
    const out = decompress(buffer);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
};

const PATCHED = Symbol.for('tributary.kafkajs.compressionCodecs');

/** Registers the three codecs with kafkajs for every client in the process; idempotent. */
export function installCompressionCodecs(): void {
  const codecs = CompressionCodecs as Record<number, () => KafkajsCodec> & { [PATCHED]?: true };
  if (codecs[PATCHED]) return;
  codecs[CompressionTypes.Snappy] = () => snappy;
  codecs[CompressionTypes.LZ4] = () => lz4;
  codecs[CompressionTypes.ZSTD] = () => zstd;
  codecs[PATCHED] = true;
}
