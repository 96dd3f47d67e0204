/**
 * Checks a run of the pipeline against what the producer got acknowledged, by counting (as Kafka's
 * system tests and Jepsen do): every acknowledged valid event in the store exactly once, every
 * invalid record in the DLQ with its reason, rollups equal to a recomputation from the events
 * table, and no consumer group committed past a record whose outcome is missing.
 *
 * Records are followed by the sequence number header the verifying producer stamps on them (stages
 * forward headers), and into the store by event id.
 */
import type { Kafka } from 'kafkajs';
import { type DlqEntry, eventIdOf, parseDlqMessage, parseFailureMessage } from '../../local/dlq/dlq-entry.js';
import type { TopicMessage } from '../../local/kafka/read-topic.js';
import { readTopicsToEnd } from '../../local/kafka/read-topic.js';
import { type PipelineDefinition, STAGE_NAMES, type StageName } from '../../src/pipeline/definition.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { type PartitionCommit, stageCommits } from './committed-offsets.js';
import type { FaultRow } from './fault-row.js';
import { type RollupRecount, recountRollups } from './rollup-recount.js';
import { sequenceOfMessage, sequenceOfRecord } from './sequence-header.js';
import type { Expectation, SequenceLedger } from './sequence-ledger.js';

export interface VerifyPipelineOptions {
  /** Name of the fault the run was under (the row's first column). */
  readonly fault: string;
  readonly pipeline: PipelineDefinition;
  readonly kafka: Kafka;
  readonly store: SqlQueryable;
  readonly ledger: SequenceLedger;
  /** @default 120000 */
  readonly readTimeoutMs?: number;
}

export type Fate = 'stored' | 'dlq' | 'failure-destination' | 'lost';

export interface Verification {
  readonly row: FaultRow;
  /** Every broken promise, one line each; empty when the run kept them all. */
  readonly problems: readonly string[];
  readonly commits: Readonly<Record<StageName, readonly PartitionCommit[]>>;
  readonly rollups: RollupRecount;
  /** Where each acknowledged record ended. */
  readonly fates: ReadonlyMap<number, Fate>;
  /** DLQ and failure-destination entries by sequence number. */
  readonly dlqBySequence: ReadonlyMap<number, readonly DlqEntry[]>;
  readonly failuresBySequence: ReadonlyMap<number, readonly DlqEntry[]>;
  /** Raw records whose publish was never acknowledged but which Kafka holds (a failed publish that had written). */
  readonly unacknowledgedWritten: number;
  /** Stored events that no acknowledged record carries. */
  readonly unexpectedStored: number;
}

/** Collects examples of one kind of problem, and reports the kind once with a count. */
class ProblemLog {
  private readonly kinds = new Map<string, { count: number; examples: string[] }>();

  add(kind: string, example: string): void {
    const entry = this.kinds.get(kind) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 5) entry.examples.push(example);
    this.kinds.set(kind, entry);
  }

  lines(): string[] {
    return [...this.kinds].map(([kind, { count, examples }]) => `${kind}: ${count} (e.g. ${examples.join('; ')})`);
  }
}

const positionKey = (topic: string, partition: number, offset: number | string) => `${topic}/${partition}/${offset}`;

function bySequence(entries: readonly DlqEntry[]): Map<number, DlqEntry[]> {
  const out = new Map<number, DlqEntry[]>();
  for (const entry of entries) {
    const seq = sequenceOfRecord(entry.headers);
    if (seq === undefined) continue;
    const list = out.get(seq) ?? [];
    if (list.length === 0) out.set(seq, list);
    list.push(entry);
  }
  return out;
}

function describeEntry(entry: DlqEntry): string {
  return `${entry.from} ${entry.partition}@${entry.offset} ${entry.stage ?? '?'} ${entry.reason}`;
}

/**
 * Where an acknowledged record ended: looked for first where it is expected (a record made to fail
 * may see its event stored through a duplicate), then the store, the DLQ, the failure destination.
 */
function fateOf(expect: Expectation, stored: ReadonlySet<string>, dlq: readonly DlqEntry[], failures: readonly DlqEntry[]): Fate {
  if (expect.outcome === 'failure-destination' && failures.length > 0) return 'failure-destination';
  if (expect.eventId !== undefined && stored.has(expect.eventId)) return 'stored';
  if (dlq.length > 0) return 'dlq';
  if (failures.length > 0) return 'failure-destination';
  return 'lost';
}

/** Reads every topic, the commits and the store, and checks the run; call it once the pipeline has drained. */
export async function verifyPipeline(options: VerifyPipelineOptions): Promise<Verification> {
  const { pipeline, kafka, store, ledger } = options;
  const { raw, clean, enriched, dlq, failures } = pipeline.topics;
  const problems = new ProblemLog();

  // Commits first: anything they cover was stored before they were made, so a later read of the
  // store and topics can only see more than the commits promise, never less.
  const commits = await stageCommits(kafka, pipeline);
  const storedIds = new Set((await store.query<{ event_id: string }>('SELECT event_id FROM events')).map((r) => r.event_id));
  const rollups = await recountRollups(store);
  const topics = await readTopicsToEnd(kafka, [raw.name, clean.name, enriched.name, dlq.name, failures.name], options.readTimeoutMs);
  const messages = (topic: string) => topics.get(topic) as TopicMessage[];

  const dlqEntries = messages(dlq.name).map(parseDlqMessage);
  const failureEntries = messages(failures.name).map((m) => parseFailureMessage(m, pipeline));
  const dlqBySequence = bySequence(dlqEntries);
  const failuresBySequence = bySequence(failureEntries);
  const setAside = new Set<string>();
  for (const entry of [...dlqEntries, ...failureEntries]) {
    if (entry.source) setAside.add(positionKey(entry.source.topic, entry.source.partition, entry.source.offset));
  }
  const sequencesIn = (topic: string) => {
    const out = new Set<number>();
    for (const m of messages(topic)) {
      const seq = sequenceOfMessage(m.headers);
      if (seq !== undefined) out.add(seq);
    }
    return out;
  };
  const cleanSequences = sequencesIn(clean.name);
  const enrichedSequences = sequencesIn(enriched.name);

  // 1. Every acknowledged record, followed to where it ended.
  const fates = new Map<number, Fate>();
  const counts: Record<Fate, number> = { stored: 0, dlq: 0, 'failure-destination': 0, lost: 0 };
  const ackedEventIds = new Set<string>();
  let redelivered = 0;
  for (const [seq, expect] of ledger.acknowledged) {
    if (expect.eventId !== undefined) ackedEventIds.add(expect.eventId);
    const inDlq = dlqBySequence.get(seq) ?? [];
    const inFailures = failuresBySequence.get(seq) ?? [];
    redelivered += Math.max(0, inDlq.length - 1) + Math.max(0, inFailures.length - 1);
    const fate = fateOf(expect, storedIds, inDlq, inFailures);
    fates.set(seq, fate);
    counts[fate]++;
    const where = `seq ${seq}${expect.eventId !== undefined ? ` (${expect.eventId})` : ''}`;
    if (fate === 'lost') {
      problems.add(`lost (expected ${expect.outcome})`, where);
      continue;
    }
    switch (expect.outcome) {
      case 'stored':
        if (fate !== 'stored')
          problems.add(`valid event not stored, found in ${fate}`, `${where}: ${[...inDlq, ...inFailures].map(describeEntry).join(', ')}`);
        else if (inDlq.length > 0)
          problems.add('valid event stored and also in the DLQ', `${where}: ${inDlq.map(describeEntry).join(', ')}`);
        else if (inFailures.length > 0)
          problems.add('valid event stored and also in the failure destination', `${where}: ${inFailures.map(describeEntry).join(', ')}`);
        break;
      case 'dlq':
        if (fate === 'stored') problems.add('invalid record stored', where);
        else if (fate !== 'dlq') problems.add(`invalid record in ${fate} instead of the DLQ`, where);
        for (const entry of inDlq) {
          if (expect.reason !== undefined && entry.reason !== expect.reason) {
            problems.add('DLQ reason differs from the expected one', `${where}: expected ${expect.reason}, got ${describeEntry(entry)}`);
          }
        }
        break;
      case 'stored-or-dlq':
        if (fate === 'failure-destination')
          problems.add(
            'hostile record in the failure destination (a stage failed on it)',
            `${where}: ${inFailures.map(describeEntry).join(', ')}`,
          );
        for (const entry of inDlq)
          if (!entry.reason || entry.reason === 'UNKNOWN') problems.add('DLQ record without a reason', `${where}: ${describeEntry(entry)}`);
        if (fate === 'stored' && inDlq.length > 0)
          problems.add('record stored and also in the DLQ', `${where}: ${inDlq.map(describeEntry).join(', ')}`);
        break;
      case 'failure-destination':
        if (fate !== 'failure-destination') problems.add(`record meant for the failure destination ended in ${fate}`, where);
        else if (inDlq.length > 0) problems.add('record in the failure destination and also in the DLQ', where);
        break;
    }
  }

  // 2. The store holds nothing twice, and its rollups count every stored event exactly once.
  if (rollups.duplicateRows > 0) problems.add('events stored more than once', `${rollups.duplicateRows} extra rows`);
  if (rollups.overCounted > 0) problems.add('events counted twice in rollups', `${rollups.overCounted} extra counts`);
  if (rollups.underCounted > 0) problems.add('stored events missing from rollups', `${rollups.underCounted} missing counts`);
  if (rollups.mismatchedMetricRows > 0) problems.add('metrics_minute differs from a recomputation', `${rollups.mismatchedMetricRows} rows`);
  if (rollups.mismatchedProductRows > 0)
    problems.add('product_minute differs from a recomputation', `${rollups.mismatchedProductRows} rows`);
  if (rollups.mismatchedFunnelRows > 0)
    problems.add('funnel_entities differs from a recomputation', `${rollups.mismatchedFunnelRows} rows`);

  // 3. Nothing committed ahead of its outcome, and everything committed once drained.
  const rawSequenceAt = new Map<string, number | undefined>();
  let unacknowledgedWritten = 0;
  for (const m of messages(raw.name)) {
    const seq = sequenceOfMessage(m.headers);
    rawSequenceAt.set(positionKey(raw.name, m.partition, m.offset), seq);
    if (seq !== undefined && !ledger.acknowledged.has(seq)) {
      unacknowledgedWritten++;
      if (!ledger.wasSent(seq)) problems.add('raw holds a sequence number that was never sent', `seq ${seq}`);
    }
  }
  const outcomeCheck: Record<StageName, { topic: string; hasOutcome: (m: TopicMessage) => boolean | undefined }> = {
    ingest: { topic: raw.name, hasOutcome: (m) => follow(sequenceOfMessage(m.headers), cleanSequences) },
    enrich: { topic: clean.name, hasOutcome: (m) => follow(sequenceOfMessage(m.headers), enrichedSequences) },
    sink: { topic: enriched.name, hasOutcome: (m) => follow(eventIdOf(m.value ?? null), storedIds) },
  };
  for (const stage of STAGE_NAMES) {
    const committedBy = new Map(commits[stage].map((c) => [c.partition, c]));
    for (const c of commits[stage]) {
      if (c.committed !== c.end)
        problems.add(
          `${stage}: committed offset is not the end of its input`,
          `${c.topic}-${c.partition} committed ${c.committed}, end ${c.end}`,
        );
    }
    const { topic, hasOutcome } = outcomeCheck[stage];
    for (const m of messages(topic)) {
      const committed = committedBy.get(m.partition)?.committed ?? -1;
      if (Number(m.offset) >= committed) continue;
      if (setAside.has(positionKey(topic, m.partition, m.offset))) continue;
      const outcome = hasOutcome(m);
      if (outcome === false) problems.add(`${stage}: committed past a record with no outcome`, `${topic}-${m.partition}@${m.offset}`);
    }
  }

  const unexpectedStored = [...storedIds].filter((id) => !ackedEventIds.has(id)).length;
  if (unexpectedStored > 0 && unacknowledgedWritten === 0)
    problems.add('stored events that no acknowledged record carries', `${unexpectedStored} events`);

  return {
    row: {
      fault: options.fault,
      acknowledged: ledger.size,
      stored: counts.stored,
      inDlq: counts.dlq,
      failureDestination: counts['failure-destination'],
      lost: counts.lost,
      duplicated: rollups.duplicateRows + rollups.overCounted,
      redelivered,
    },
    problems: problems.lines(),
    commits,
    rollups,
    fates,
    dlqBySequence,
    failuresBySequence,
    unacknowledgedWritten,
    unexpectedStored,
  };
}

/** Whether a record's identity shows up downstream; undefined when the record carries none. */
function follow<T>(identity: T | undefined, downstream: ReadonlySet<T>): boolean | undefined {
  return identity === undefined ? undefined : downstream.has(identity);
}
