/** Errors of the traffic generator and the raw-event sources. */
import type { GeneratorRunSummary } from './generator-run.js';

export class GeneratorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GeneratorError';
  }
}

/** Options out of range, e.g. a negative rate or shares adding up to more than 1. */
export class GeneratorOptionsError extends GeneratorError {
  constructor(message: string) {
    super(message);
    this.name = 'GeneratorOptionsError';
  }
}

/** An NDJSON line too long to be one event; names the line. */
export class NdjsonLineTooLongError extends GeneratorError {
  constructor(
    readonly line: number,
    readonly limitBytes: number,
  ) {
    super(`line ${line} is longer than ${limitBytes} bytes; is this newline-delimited JSON?`);
    this.name = 'NdjsonLineTooLongError';
  }
}

/** Kafka refused a batch after the client's own retries; the summary counts what was acknowledged before. */
export class GeneratorPublishError extends GeneratorError {
  constructor(
    message: string,
    readonly summary: GeneratorRunSummary,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GeneratorPublishError';
  }
}

/** Kafka refused a batch of NDJSON lines; says how far the input got. */
export class NdjsonPublishError extends GeneratorError {
  constructor(
    message: string,
    readonly acknowledged: number,
    readonly lastAcknowledgedLine: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NdjsonPublishError';
  }
}
