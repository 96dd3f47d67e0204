/**
 * `tributary replay --topic raw --from <time> --to <time> [--dry-run]`: sends archived raw records
 * of an event-time range back into the raw topic of the running twin (or KAFKA_BROKERS), with
 * their original keys and headers plus the replay headers. Already stored events change nothing
 * (the sink is idempotent); records rejected before a fix are stored now. `--archive s3://...`
 * reads an S3 archive in the twin's layout (the range's files are downloaded first).
 */
import { parseBrokerList } from '../../src/config/env.js';
import { createKafka, createKafkaPublisher, type RecordPublisher } from '../../src/kafka/kafka-client.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { type ReplayResult, replayArchive } from '../archive/archive-replay.js';
import { CliUsageError } from '../cli-error.js';
import { resolveBrokers } from '../twin/twin-address.js';
import { openArchiveSource } from './archive-source.js';
import { parseRangeTime } from './time-range-options.js';

export interface ReplayCommandOptions {
  topic?: string;
  from?: string;
  to?: string;
  dryRun?: boolean;
  archiveDir?: string;
  /** s3://bucket/prefix: read the S3 archive (files of the range downloaded to .data/archive-cache). */
  archive?: string;
  /** Cache root for --archive (default .data/archive-cache). */
  archiveCacheDir?: string;
  json?: boolean;
}

/** Topics replay can send back: raw, where every record starts again through ingest. */
const REPLAYABLE = ['raw'] as const;

export async function replayCommand(options: ReplayCommandOptions): Promise<ReplayResult> {
  const topicRole = options.topic ?? 'raw';
  if (!(REPLAYABLE as readonly string[]).includes(topicRole)) {
    throw new CliUsageError(`--topic must be one of ${REPLAYABLE.join(', ')} (records start again through ingest), got "${topicRole}"`);
  }
  if (options.from === undefined || options.to === undefined)
    throw new CliUsageError('give --from and --to (a date such as 2026-11-01, or an ISO 8601 time)');
  const from = parseRangeTime('--from', options.from);
  const to = parseRangeTime('--to', options.to);
  if (to <= from) throw new CliUsageError(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
  const { reader, where } = await openArchiveSource(options, 'raw', { fromMs: from.getTime(), toMs: to.getTime() });
  const err = process.stderr;
  let publisher: RecordPublisher | undefined;
  try {
    if (!reader.exists)
      throw new CliUsageError(`${where} holds no archive (the twin writes one while it runs; --archive-dir names another folder)`);
    let topic = '(dry run)';
    let brokers = '';
    if (!options.dryRun) {
      // Named now (a usage error before any work); connected only if the range holds records.
      const resolved = resolveBrokers();
      brokers = resolved.brokers;
      topic = definePipeline({ name: resolved.pipelineName }).topics.raw.name;
    }
    const open = () => {
      publisher = createKafkaPublisher(
        createKafka({ brokers: parseBrokerList(brokers), auth: { type: 'none' }, clientId: 'tributary-replay' }),
      );
      return publisher;
    };
    const result = await replayArchive({ reader, publisher: options.dryRun ? undefined : open, topic, from, to });
    for (const skipped of result.skipped) err.write(`warning: ${skipped.message}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify({ ...result, skipped: result.skipped.map((s) => s.message) }, null, 2)}\n`);
    if (result.records === 0) {
      err.write(
        `nothing to replay: no archived raw records with event times from ${from.toISOString()} to ${to.toISOString()} in ${where}\n`,
      );
      return result;
    }
    const types = Object.entries(result.byType)
      .sort(([, a], [, b]) => b - a)
      .map(([type, n]) => `${type} ${n.toLocaleString('en-US')}`)
      .join(', ');
    err.write(
      `${options.dryRun ? 'would send' : `sent ${result.sent.toLocaleString('en-US')} of`} ${result.records.toLocaleString('en-US')} records ` +
        `(event times ${result.firstEventTime} to ${result.lastEventTime}; ${types}) from ${result.files} files` +
        `${options.dryRun ? '' : ` to ${topic}`}\n`,
    );
    return result;
  } finally {
    await publisher?.close();
    reader.close();
  }
}
