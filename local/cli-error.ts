/** An error the CLI reports as one line and exit code 2: bad arguments, unreadable files, bad config. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
