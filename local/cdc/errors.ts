/** Errors of the local change-data capture. */

export class ChangeCaptureError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChangeCaptureError';
  }
}

/** The source database cannot be captured as configured (wal_level, permissions). */
export class SourceNotReadyError extends ChangeCaptureError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceNotReadyError';
  }
}

/** A published table has no primary key and is not REPLICA IDENTITY FULL. */
export class UncapturableTableError extends ChangeCaptureError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UncapturableTableError';
  }
}
