/**
 * The kafkajs release this project's kafkajs patches are written for (src/kafka/kafkajs-patches.ts
 * and the twin's local/kafka/single-flight-join.ts); package.json pins it exactly. The installed
 * version is read by a static import, so a bundled function carries the one it was built with.
 */
import kafkajsPackage from 'kafkajs/package.json' with { type: 'json' };

export const PATCHED_KAFKAJS_VERSION = '2.2.4';

/** The kafkajs version installed (or bundled). */
export const INSTALLED_KAFKAJS_VERSION: string = kafkajsPackage.version;
