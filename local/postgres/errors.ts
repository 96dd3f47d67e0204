/** Errors of the embedded PostgreSQL server. */

export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

/** No server binaries for this platform, or they cannot run. */
export class PostgresBinariesError extends EmbeddedPostgresError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PostgresBinariesError';
  }
}

/** The data folder is in use by another live server. */
export class DataFolderInUseError extends EmbeddedPostgresError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataFolderInUseError';
  }
}
