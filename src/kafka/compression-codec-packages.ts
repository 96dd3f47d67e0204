/**
 * The packages the Kafka compression codecs load on first use (compression-codecs.ts). Apart from
 * the codecs so that function bundling (infra/) can leave them out without loading kafkajs.
 */
export const COMPRESSION_CODEC_PACKAGES = ['snappy', 'lz4-napi', '@hpcc-js/wasm-zstd', 'fzstd'] as const;
