/** Errors of the event source mapping emulator: one base class, narrow subclasses. */

export class EventSourceMappingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventSourceMappingError';
  }
}

/** The mapping's configuration is invalid; raised before anything connects. */
export class EventSourceMappingConfigError extends EventSourceMappingError {
  constructor(message: string) {
    super(message);
    this.name = 'EventSourceMappingConfigError';
  }
}

/** The handler did not settle within the function timeout, as Lambda's "Task timed out". */
export class HandlerTimeoutError extends EventSourceMappingError {
  constructor(functionName: string, timeoutMs: number) {
    super(`${functionName}: task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'HandlerTimeoutError';
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
