/**
 * The core of the change consumers (catalogue, orders): read the Debezium change events of a batch,
 * skip tombstones, set aside what is not a change event of a table the consumer reads (DLQ with
 * NOT_A_CHANGE_EVENT), and apply the rest in one store transaction. Throws only when the store
 * fails, so the mapping retries the batch; applying by source position makes the retry harmless.
 */
import { InvalidReason } from '../events/invalid-reason.js';
import type { KafkaRecord, OutputRecord } from '../kafka/msk-event.js';
import { CHANGE_CONSUMER_TABLES, type ChangeStageName, type PipelineDefinition } from '../pipeline/definition.js';
import { toDlqRecord } from '../stages/dlq-record.js';
import type { SqlClient } from '../store/sql-client.js';
import { applyCatalogueChanges, type CatalogueTable, isCatalogueTable } from './catalogue-changes.js';
import { ChangeEventError, readChangeEvent } from './change-event-reader.js';
import type { ChangeEvent } from './debezium-envelope.js';
import { applyMirrorChanges, mirrorTableFor } from './order-mirror.js';

export interface ChangeOutcome {
  readonly stage: ChangeStageName;
  readonly records: number;
  /** Changes that altered the store. */
  readonly applied: number;
  /** Changes not newer than what the store holds (redelivered, duplicated or superseded). */
  readonly stale: number;
  readonly tombstones: number;
  readonly dlq: number;
  /** Source commit to queryable in the store, per change of a batch that applied something (ms; snapshot reads left out). */
  readonly latenciesMs: number[];
}

export interface ChangeBatchResult {
  readonly outputs: OutputRecord[];
  readonly outcome: ChangeOutcome;
}

export async function applyChangeBatch(
  records: readonly KafkaRecord[],
  stage: ChangeStageName,
  pipeline: PipelineDefinition,
  store: SqlClient,
): Promise<ChangeBatchResult> {
  const outputs: OutputRecord[] = [];
  const tables = CHANGE_CONSUMER_TABLES[stage];
  const byTable = new Map<string, ChangeEvent[]>();
  let tombstones = 0;
  for (const record of records) {
    let event: ChangeEvent | null;
    try {
      event = readChangeEvent(record.value);
    } catch (error) {
      const detail = error instanceof ChangeEventError ? error.message : String(error);
      outputs.push(toDlqRecord(record, pipeline.topics.dlq.name, stage, InvalidReason.NOT_A_CHANGE_EVENT, detail));
      continue;
    }
    if (event === null) {
      tombstones++;
      continue;
    }
    if (!tables.includes(event.source.table)) {
      const detail = `change of ${event.source.schema}.${event.source.table}, which stage ${stage} does not read`;
      outputs.push(toDlqRecord(record, pipeline.topics.dlq.name, stage, InvalidReason.NOT_A_CHANGE_EVENT, detail));
      continue;
    }
    const list = byTable.get(event.source.table) ?? [];
    list.push(event);
    byTable.set(event.source.table, list);
  }
  const changes = [...byTable.values()].reduce((n, l) => n + l.length, 0);
  const applied = await store.transaction(async (tx) => {
    let count = 0;
    if (stage === 'catalogue') {
      const events = [...byTable].flatMap(([table, list]) =>
        isCatalogueTable(table) ? list.map((event) => ({ table: table as CatalogueTable, event })) : [],
      );
      count += await applyCatalogueChanges(tx, events);
    } else {
      for (const [table, list] of byTable) {
        const mirror = mirrorTableFor(table);
        if (mirror) count += await applyMirrorChanges(tx, mirror, list);
      }
    }
    return count;
  });
  const now = Date.now();
  // Snapshot reads are not changes: their time is when the snapshot began, not a commit.
  const latenciesMs =
    applied > 0
      ? [...byTable.values()]
          .flat()
          .filter((e) => e.op !== 'r')
          .map((e) => Math.max(0, now - e.source.ts_ms))
      : [];
  return {
    outputs,
    outcome: { stage, records: records.length, applied, stale: changes - applied, tombstones, dlq: outputs.length, latenciesMs },
  };
}
