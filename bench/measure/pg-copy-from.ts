/**
 * COPY ... FROM STDIN through node-postgres without an extra package: a Submittable query that
 * answers the server's CopyInResponse with the whole payload in one CopyData message. Used only by
 * the store ceiling, to measure the fastest bulk insert the server offers.
 */
import type pg from 'pg';

/** The parts of node-postgres's connection a COPY needs (present at run time, absent from its types). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyFromQuery implements pg.Submittable {
  private settled = false;
  private rowCount = 0;

  constructor(
    private readonly text: string,
    private readonly payload: Buffer,
    private readonly done: (error: Error | undefined, rows: number) => void,
  ) {}

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(this.payload);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    this.rowCount = Number(/COPY (\d+)/.exec(message.text ?? '')?.[1] ?? 0);
  }

  /** node-postgres forgets the active query on an error, so ReadyForQuery never reaches it: settle here. */
  handleError(error: Error): void {
    this.settle(error);
  }

  handleReadyForQuery(): void {
    this.settle(undefined);
  }

  private settle(error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.done(error, this.rowCount);
  }
}

/** Runs `COPY <table> (<columns>) FROM STDIN` with a text-format payload; resolves with the rows copied. */
export function copyFrom(client: pg.Client, text: string, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    client.query(new CopyFromQuery(text, payload, (error, rows) => (error ? reject(error) : resolve(rows))));
  });
}

/** A value in COPY's text format: \N for null, with backslash, tab, newline and carriage return escaped. */
export function copyTextValue(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
