/**
 * One emulated Firehose delivery stream: records are buffered and written as a file when the
 * buffer reaches the size hint or its oldest record has waited the interval hint, whichever comes
 * first (Firehose's buffering hints). Delivery is at-least-once like Firehose's: the stream's
 * consumer commits offsets only after the file holding them is in place, so a crash re-delivers
 * and a record may then be archived twice (queries deduplicate by event id).
 */
import type { ArchiveStreamDefinition } from '../../src/pipeline/archive-definition.js';
import type { ArchiveRow } from './archive-row.js';
import type { ParquetFileWriter, WrittenFile } from './parquet-file-writer.js';

export interface DeliveryStreamOptions {
  definition: ArchiveStreamDefinition;
  writer: Pick<ParquetFileWriter, 'write'>;
  /** Overrides the definition's size hint in bytes (tests). */
  sizeBytes?: number;
  /** Overrides the definition's interval hint in ms (tests, the twin's short runs). */
  intervalMs?: number;
  /** Called after each file lands, with the records it holds (to commit their offsets). */
  onFlushed: (files: WrittenFile[], rows: readonly ArchiveRow[]) => Promise<void>;
  onError: (error: unknown) => void;
}

export interface DeliveryStreamStats {
  buffered: number;
  bufferedBytes: number;
  recordsWritten: number;
  filesWritten: number;
}

export class DeliveryStream {
  private rows: ArchiveRow[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly sizeBytes: number;
  private readonly intervalMs: number;
  private written = { records: 0, files: 0 };

  constructor(private readonly options: DeliveryStreamOptions) {
    this.sizeBytes = options.sizeBytes ?? options.definition.buffering.sizeMb * 1024 * 1024;
    this.intervalMs = options.intervalMs ?? options.definition.buffering.intervalSeconds * 1000;
  }

  /** Buffers the rows; resolves once they are buffered, or written if they filled the buffer. */
  async add(rows: readonly ArchiveRow[]): Promise<void> {
    for (const row of rows) {
      this.rows.push(row);
      this.bytes += row.sizeBytes;
    }
    if (this.rows.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush().catch(this.options.onError), this.intervalMs);
    }
    if (this.bytes >= this.sizeBytes) await this.flush();
  }

  /** Writes what is buffered now (also at stop). Flushes run one at a time, in order. */
  flush(): Promise<void> {
    const next = this.flushing.then(() => this.writeBuffered());
    // A failed flush is reported to its caller; the chain goes on for the next one.
    this.flushing = next.catch(() => {});
    return next;
  }

  stats(): DeliveryStreamStats {
    return {
      buffered: this.rows.length,
      bufferedBytes: this.bytes,
      recordsWritten: this.written.records,
      filesWritten: this.written.files,
    };
  }

  private async writeBuffered(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    this.bytes = 0;
    const { definition } = this.options;
    try {
      const files = await this.options.writer.write(definition.role, definition.streamName, rows);
      this.written.records += rows.length;
      this.written.files += files.length;
      await this.options.onFlushed(files, rows);
    } catch (error) {
      // Put the rows back in front so a later flush retries them; offsets stay uncommitted meanwhile.
      this.rows = [...rows, ...this.rows];
      this.bytes += rows.reduce((sum, r) => sum + r.sizeBytes, 0);
      if (this.timer === undefined) this.timer = setTimeout(() => void this.flush().catch(this.options.onError), this.intervalMs);
      throw error;
    }
  }

  /** Stops the interval timer (the caller flushes first if it wants the buffer written). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
