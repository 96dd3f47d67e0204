/** Errors of the local twin's Kafka: one base class, narrow subclasses. */

export class LocalKafkaError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalKafkaError';
  }
}

/** A bad option or a failed call into librdkafka's mock cluster. */
export class EmbeddedKafkaError extends LocalKafkaError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedKafkaError';
  }
}

/** The system librdkafka could not be loaded, or is too old to have the mock cluster. */
export class LibrdkafkaMissingError extends EmbeddedKafkaError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LibrdkafkaMissingError';
  }
}

/** The external Kafka named by KAFKA_BROKERS did not answer. */
export class KafkaUnreachableError extends LocalKafkaError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaUnreachableError';
  }
}
