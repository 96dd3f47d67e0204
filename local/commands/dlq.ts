/**
 * `tributary dlq list|show|replay`: inspect the DLQ (or with --failures the failure destination)
 * by reason, stage and time, and replay chosen records into `raw` without re-sending events the
 * store already holds. Kafka: KAFKA_BROKERS or the running twin; the store: DATABASE_URL or PGlite.
 */
import type { Kafka } from 'kafkajs';
import { parseBrokerList } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher } from '../../src/kafka/kafka-client.js';
import { definePipeline, type PipelineDefinition } from '../../src/pipeline/definition.js';
import { CliUsageError } from '../cli-error.js';
import type { DlqEntry, DlqSource } from '../dlq/dlq-entry.js';
import { groupEntries, isEmptyFilter, parseDlqFilter, parsePosition, type RawDlqFilter, selectEntries } from '../dlq/dlq-filter.js';
import { ENTRY_COLUMNS, entryJson, entryRow, formatEntryDetail } from '../dlq/dlq-format.js';
import { dlqTopicName, readDlqEntries } from '../dlq/dlq-reader.js';
import { replayEntries } from '../dlq/dlq-replay.js';
import { resolveBrokers } from '../twin/twin-address.js';
import { accessStoreForReading } from './store-access.js';
import { formatTable } from './table-format.js';

export interface DlqListOptions extends RawDlqFilter {
  failures?: boolean;
  limit?: string;
  json?: boolean;
}

export interface DlqShowOptions {
  failures?: boolean;
  json?: boolean;
}

export interface DlqReplayOptions extends RawDlqFilter {
  failures?: boolean;
  all?: boolean;
  dryRun?: boolean;
  again?: boolean;
  dataDir?: string;
}

interface Connection {
  kafka: Kafka;
  pipeline: PipelineDefinition;
  brokers: string;
}

function connect(clientId: string): Connection {
  const { brokers, pipelineName } = resolveBrokers();
  return {
    kafka: createKafka({ brokers: parseBrokerList(brokers), auth: { type: 'none' }, clientId }),
    pipeline: definePipeline({ name: pipelineName }),
    brokers,
  };
}

const sourceOf = (failures: boolean | undefined): DlqSource => (failures ? 'failures' : 'dlq');

function parseLimit(text: string | undefined): number {
  const limit = Number(text ?? '100');
  if (!Number.isInteger(limit) || limit < 1) throw new CliUsageError(`--limit must be a positive integer, got "${text}"`);
  return limit;
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`${text}\n`);

/** `dlq list`: counts by stage and reason, then the matching records (newest last). */
export async function dlqListCommand(options: DlqListOptions): Promise<void> {
  const from = sourceOf(options.failures);
  const filter = parseDlqFilter(options, from);
  const limit = parseLimit(options.limit);
  const { kafka, pipeline } = connect('tributary-dlq');
  const selected = selectEntries(await readDlqEntries(kafka, pipeline, from), filter);
  if (options.json) {
    out(
      JSON.stringify(
        { topic: dlqTopicName(pipeline, from), groups: groupEntries(selected), records: selected.slice(-limit).map(entryJson) },
        null,
        2,
      ),
    );
    return;
  }
  const groups = groupEntries(selected);
  out(
    formatTable(
      ['stage', 'reason', 'records', 'first', 'last'],
      groups.map((g) => [g.stage, g.reason, g.records, new Date(g.first), new Date(g.last)]),
    ),
  );
  if (selected.length === 0) return;
  out('');
  out(formatTable([...ENTRY_COLUMNS], selected.slice(-limit).map(entryRow)));
  if (selected.length > limit) note(`note: showing the last ${limit} of ${selected.length} records (--limit)`);
}

/** `dlq show <partition:offset>`: one record with its headers and value. */
export async function dlqShowCommand(position: string, options: DlqShowOptions): Promise<void> {
  const from = sourceOf(options.failures);
  const where = parsePosition(position, 'position');
  const { kafka, pipeline } = connect('tributary-dlq');
  const [entry] = selectEntries(await readDlqEntries(kafka, pipeline, from), { positions: [where] }) as [DlqEntry];
  if (options.json) {
    out(JSON.stringify({ ...entryJson(entry), envelope: entry.envelope ?? null }, null, 2));
    return;
  }
  out(formatEntryDetail(entry, dlqTopicName(pipeline, from)));
}

/** `dlq replay`: sends the chosen records back to `raw`, skipping stored events and repeated copies. */
export async function dlqReplayCommand(options: DlqReplayOptions): Promise<void> {
  const from = sourceOf(options.failures);
  const filter = parseDlqFilter(options, from);
  if (isEmptyFilter(filter) && !options.all) {
    throw new CliUsageError('choose what to replay: --reason, --stage, --since, --offset, or --all for everything');
  }
  if (!isEmptyFilter(filter) && options.all) throw new CliUsageError('--all replays everything: give it alone, without other filters');
  const { kafka, pipeline, brokers } = connect('tributary-dlq-replay');
  const everything = await readDlqEntries(kafka, pipeline, from);
  const selected = selectEntries(everything, filter);
  // Whether an event is stored is asked of the running twin when it serves the store: opening it here would be a second owner.
  const access = await accessStoreForReading('tributary dlq replay', { dataDir: options.dataDir });
  const publisher = createKafkaPublisher(kafka);
  try {
    const store =
      access.kind === 'twin'
        ? async (ids: readonly string[]) => {
            const stored = new Set<string>();
            for (let i = 0; i < ids.length; i += 10_000) {
              const answer = await access.api.post<{ stored: string[] }>('/api/stored-event-ids', { ids: ids.slice(i, i + 10_000) });
              for (const id of answer.stored) stored.add(id);
            }
            return stored;
          }
        : access.client;
    const result = await replayEntries({ pipeline, store, publisher, selected, everything, dryRun: options.dryRun, again: options.again });
    const verb = options.dryRun ? 'would send' : 'sent';
    out(
      `selected ${selected.length}; ${verb} ${options.dryRun ? result.send.length : result.sent} to ${result.topic} at ${brokers}; ` +
        `skipped ${result.alreadyStored.length} already stored, ${result.alreadyReplayed.length} replayed before, ` +
        `${result.unchanged.length} whose cause is unchanged, ${result.copies.length} repeated copies, ${result.noValue.length} without a value`,
    );
    if (result.alreadyReplayed.length > 0 || result.unchanged.length > 0) {
      note(
        'note: records replayed before, or that the ingest checks refuse again for the same reason, were not sent: ' +
          'fix the cause (the record, or the reference data), then `--again` sends them anyway',
      );
    }
    if (options.dryRun && result.send.length > 0) out(formatTable([...ENTRY_COLUMNS], result.send.map(entryRow)));
  } finally {
    await publisher.close();
    if (access.kind === 'store') await access.close();
  }
}
