/**
 * The twin's Kafka client factory, and the one place the twin's kafkajs patches are composed: the
 * project's patches every client runs (installKafkajsPatches, through createKafka) plus the twin's
 * consumer-group join patch (single-flight-join.ts). Both refuse any kafkajs but the pinned one.
 * Whatever runs kafkajs consumers for the twin (event source mappings, the bench relay) takes its
 * client from here, and checks that it did (isTwinKafka).
 */
import type { Kafka, KafkaConfig } from 'kafkajs';
import { createKafka, type KafkaConnection } from '../../src/kafka/kafka-client.js';
import { installSingleFlightJoin } from './single-flight-join.js';

const twinClients = new WeakSet<Kafka>();

/** A kafkajs client with every patch the twin's consumers need installed. */
export function createTwinKafka(connection: KafkaConnection, overrides: Partial<KafkaConfig> = {}): Kafka {
  const kafka = createKafka(connection, overrides);
  installSingleFlightJoin();
  twinClients.add(kafka);
  return kafka;
}

/** Whether `kafka` came from createTwinKafka. */
export function isTwinKafka(kafka: Kafka): boolean {
  return twinClients.has(kafka);
}
