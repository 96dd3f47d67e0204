/**
 * Every change this project makes to kafkajs clients everywhere, installed in one place:
 * createKafka() calls installKafkajsPatches() before building a client, so the twin, the CLI and
 * the functions all run the same kafkajs. (The twin adds one patch of its own to its consumers, in
 * local/kafka/twin-kafka.ts.) The patches reach into kafkajs internals, so package.json pins
 * kafkajs exactly, installing refuses any other version, and each patch checks that the internals
 * it replaces are still the ones it expects (test/unit/kafkajs-patches.test.ts fails when they move).
 */
import { installCompressionCodecs } from './compression-codecs.js';
import { assertPatchedKafkajsVersion } from './kafkajs-patch-error.js';
import { installRequestQueueTimer } from './kafkajs-request-queue-timer.js';
import { installWireOrderHeaders } from './kafkajs-wire-order-headers.js';

/** Idempotent; throws KafkajsPatchError when kafkajs is not the version the patches were written for. */
export function installKafkajsPatches(): void {
  assertPatchedKafkajsVersion();
  installRequestQueueTimer();
  installWireOrderHeaders();
  installCompressionCodecs();
}
