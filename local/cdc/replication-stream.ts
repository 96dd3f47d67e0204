/**
 * The logical replication stream of the slot: subscribes, acknowledges the confirmed LSN, and on any
 * failure drops what is not confirmed and subscribes again from the confirmed LSN.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import type { SourceConnection } from './capture-source.js';
import type { CaptureState } from './capture-state.js';
import { ChangeCaptureError } from './errors.js';
import { formatLsn } from './lsn.js';
import type { TransactionAssembler } from './transaction-assembler.js';

export interface StreamSetup {
  readonly state: CaptureState;
  readonly connection: SourceConnection;
  readonly slotName: string;
  readonly publication: string;
  readonly assembler: TransactionAssembler;
  readonly warn: (message: string) => void;
}

/** pgoutput with every value left as PostgreSQL's text, so the encoders see exactly what the server wrote. */
class TextPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    // The parser caches this relation object and decodes later tuples with these parsers.
    if (message.tag === 'relation') for (const column of message.columns) column.parser = (raw: unknown) => raw;
    return message;
  }
}

export class ReplicationStream {
  private service: LogicalReplicationService | undefined;
  /** Set while a failed stream is being replaced. */
  reconnecting: Promise<void> | undefined;

  constructor(private readonly setup: StreamSetup) {}

  /** Subscribes, waiting (up to 30 s) for the walsender of a capture just killed to let the slot go. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.subscribe();
        return;
      } catch (error) {
        if (attempt >= 30 || !/is active for PID/i.test((error as Error).message)) throw error;
        await this.destroy();
        await sleep(1000);
      }
    }
  }

  acknowledge(): void {
    // The library reports lsn + 1 as written/flushed/applied; confirm exactly `confirmed`.
    this.service?.acknowledge(formatLsn(this.setup.state.confirmed - 1n)).catch(() => {});
  }

  async destroy(): Promise<void> {
    const current = this.service;
    this.service = undefined;
    await current?.destroy().catch(() => {});
  }

  private async subscribe(): Promise<void> {
    const { state, assembler } = this.setup;
    const myGeneration = ++state.generation;
    const next = new LogicalReplicationService(this.setup.connection, {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    });
    this.service = next;
    const fail = (error: unknown) => this.fail(error);
    next.on('data', (lsn: string, message: Pgoutput.Message) => assembler.handle(lsn, message, myGeneration).catch(fail));
    next.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) this.acknowledge();
    });
    next.on('error', fail);
    const plugin = new TextPgoutputPlugin({ protoVersion: 1, publicationNames: [this.setup.publication], messages: true });
    // Resolves when the stream ends; START_REPLICATION from 0/0 continues at the slot's confirmed LSN.
    next
      .subscribe(plugin, this.setup.slotName, '0/0')
      .then(() => (state.stopping ? undefined : fail(new ChangeCaptureError('replication stream ended'))), fail);
    await new Promise<void>((resolve, reject) => {
      next.once('start', () => resolve());
      next.once('error', reject);
    });
  }

  /** Any failure of the stream: drop what is not confirmed and start again from the confirmed LSN. */
  private fail(error: unknown): void {
    const { state, warn } = this.setup;
    if (state.stopping || this.reconnecting) return;
    warn(`replication stream failed (${(error as Error)?.message ?? String(error)}); reconnecting from ${formatLsn(state.confirmed)}`);
    this.reconnecting = this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const { state, assembler, warn } = this.setup;
    state.generation++;
    await this.destroy();
    state.pending.clear();
    assembler.reset();
    for (let attempt = 0; !state.stopping; attempt++) {
      await sleep(Math.min(500 * 2 ** Math.min(attempt, 3), 5000));
      try {
        assembler.resumeFrom(state.confirmed);
        await this.subscribe();
        state.counters.reconnects++;
        break;
      } catch (retryError) {
        if (attempt % 5 === 0) warn(`cannot resume replication yet: ${(retryError as Error).message}`);
        await this.destroy();
      }
    }
    this.reconnecting = undefined;
  }
}
