/**
 * Types for the kafkajs 2.2.4 internals that kafkajs-patches.ts replaces or wraps (kafkajs ships
 * types for its public API only). Only the members the patches touch are declared.
 */

declare module 'kafkajs/src/network/requestQueue/index.js' {
  class RequestQueue {
    constructor(options: {
      maxInFlightRequests: number | null;
      requestTimeout: number;
      enforceRequestTimeout: boolean;
      clientId: string;
      broker: string;
      logger: unknown;
    });
    pending: unknown[];
    throttledUntil: number;
    throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
    checkPendingRequests(): void;
    scheduleCheckPendingRequests(): void;
    destroy(): void;
  }
  export default RequestQueue;
}

declare module 'kafkajs/src/protocol/decoder.js' {
  class Decoder {
    constructor(buffer: Buffer);
    readVarIntArray<T>(reader: (decoder: Decoder) => T): T[];
  }
  export default Decoder;
}

declare module 'kafkajs/src/protocol/recordBatch/header/v0/decoder.js' {
  import type Decoder from 'kafkajs/src/protocol/decoder.js';

  const decodeHeader: (decoder: Decoder) => { key: string; value: Buffer | null };
  export default decodeHeader;
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js' {
  import type Decoder from 'kafkajs/src/protocol/decoder.js';

  const decodeRecord: (decoder: Decoder, batchContext?: object) => { headers: Record<string, Buffer | null | (Buffer | null)[]> };
  export default decodeRecord;
}
