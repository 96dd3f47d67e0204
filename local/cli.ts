/**
 * The `tributary` command line: invoke a function on an event, run the local twin, produce, query,
 * inspect the DLQ, see the twin's status and its Kafka (topics, tail, groups), reset the local store.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../src/config/env.js';
import { PIPELINE_DEFAULTS } from '../src/pipeline/pipeline-limits.js';
import { CliUsageError } from './cli-error.js';
import type { CdcOptions } from './commands/cdc.js';
import type { DlqListOptions, DlqReplayOptions, DlqShowOptions } from './commands/dlq.js';
import type { ProduceOptions } from './commands/produce.js';
import type { QueryOptions } from './commands/query.js';
import type { ReplayCommandOptions } from './commands/replay.js';
import { DEFAULT_RATE, type RawStartOptions } from './commands/start-options.js';

const USAGE_EXIT_CODE = 2;
const DATA_DIR_HELP =
  "store folder when DATABASE_URL is not set: the embedded PostgreSQL server's (default .data/postgres), or PGlite's with TRIBUTARY_STORE=pglite";

function packageVersion(): string {
  const path = fileURLToPath(new URL('../package.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** Help text that needs heavy modules, loaded by runCli only when that help is asked for. */
export interface LoadedHelp {
  query?: string;
}

export function buildProgram(help: LoadedHelp = {}): Command {
  const program = new Command('tributary')
    .description('Tributary: a real-time data pipeline on AWS, and its local twin')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerRunCommands(program);
  registerQueryCommands(program, help);
  registerDlqCommands(program);
  registerStoreCommands(program);
  registerKafkaTools(program);
  return program;
}

/** invoke, start, cdc, produce. */
function registerRunCommands(program: Command): void {
  program
    .command('invoke')
    .description('run a function (ingest, enrich, sink) on an MSK event file, like `sam local invoke`')
    .argument('<function>', 'ingest | enrich | sink')
    .argument('<event>', 'path to an MSK event JSON file (see events/)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (fn: string, event: string, options: { dataDir?: string }) => {
      // Commands load on use, so `invoke` does not pay for Kafka and the twin.
      const { invokeCommand } = await import('./commands/invoke.js');
      await invokeCommand(fn, event, options);
    });

  program
    .command('start')
    .description('run the local twin: Kafka, the store, every stage, and the traffic generator')
    .option('--rate <events/s>', `events per second to generate (default ${DEFAULT_RATE})`)
    .option('--duration <time>', 'stop after this long (60, 60s, 5m); default: until Ctrl-C')
    .option('--partitions <n>', 'partitions per topic', String(PIPELINE_DEFAULTS.partitions))
    .option('--batch-size <n>', 'event source mapping batch size (default from the pipeline definition)')
    .option('--window-ms <ms>', 'batching window in ms (default from the pipeline definition)')
    .option('--seed <n>', 'generator seed (same seed, same traffic)', '1')
    .option('--invalid-share <fraction>', 'share of invalid records', '0.01')
    .option('--duplicate-share <fraction>', 'share of redelivered duplicates', '0.005')
    .option('--no-generate', 'run without the generator (send events with `tributary produce`)')
    .option('--no-cdc', 'run without the shop database and its change data capture')
    .option('--json <file>', 'write the final summary as JSON')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--port <n>', 'port of the dashboard and query API on 127.0.0.1 (default 8787; 0 picks a free one)')
    .option('--environment <name>', 'cdk.json environment whose event source mapping mode to emulate', 'dev')
    .option('--poller-mode <mode>', "on-demand or provisioned (default: the environment's, from cdk.json)")
    .option('--archive-dir <dir>', 'archive raw and enriched as Parquet here (default .data/archive)')
    .option('--no-archive', 'do not archive the topics')
    .option(
      '--retention <time>',
      "delete stored events older than this, keeping rollups (30m, 2h, 7d, off; default 30m for the twin's own store, off for DATABASE_URL)",
    )
    .action(async (options: RawStartOptions) => {
      const { startCommand } = await import('./commands/start.js');
      await startCommand(options);
    });

  program
    .command('cdc')
    .description('capture changes of a PostgreSQL database (SOURCE_DATABASE_URL, wal_level=logical) into Kafka as Debezium events')
    .option('--tables <list>', 'schema.table names, comma-separated (default: every table of the publication, or all tables)')
    .option('--topic-prefix <prefix>', "topic prefix: topics are <prefix>.<schema>.<table> (default: the pipeline's)")
    .option('--slot <name>', 'replication slot (created when missing)')
    .option('--publication <name>', 'publication (created when missing)')
    .option('--state-dir <dir>', 'where the completed-snapshot marker is kept', '.data/cdc')
    .action(async (options: CdcOptions) => {
      const { cdcCommand } = await import('./commands/cdc.js');
      await cdcCommand(options);
    });

  program
    .command('produce')
    .description('send raw events (NDJSON, one event per line) to the running twin, or to KAFKA_BROKERS')
    .option('--file <events.ndjson>', 'read from this file instead of stdin')
    .option('--topic <name>', "topic to send to (default: the pipeline's raw topic)")
    .action(async (options: ProduceOptions) => {
      const { produceCommand } = await import('./commands/produce.js');
      await produceCommand(options);
    });
}

/** query, replay. */
function registerQueryCommands(program: Command, help: LoadedHelp): void {
  program
    .command('query')
    .description('run a named analytics query (timeseries, top, funnel, freshness, pipeline) or one read-only SQL statement')
    .argument('[name]', 'query name')
    .argument('[params...]', 'parameters as key=value, e.g. metric=revenue_usd last=15m (listed below)')
    .option('--sql <select>', 'run one read-only SQL statement instead (writes are refused)')
    .option('--json', 'print JSON instead of a table')
    .option('--limit <rows>', 'print at most this many rows', '1000')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--from <time>', 'window start: a UTC date (2026-11-01) or an ISO 8601 time; older than the store: read from the archive')
    .option('--to <time>', 'window end: a UTC date (through the end of that day) or an ISO 8601 time')
    .option('--archive-dir <dir>', 'the archive folder (default .data/archive)')
    .option('--archive <url>', 'read an S3 archive instead (s3://bucket/prefix; the window is downloaded to .data/archive-cache)')
    .option(
      '--store-retention <duration>',
      'treat the store as holding only this much recent history (e.g. 7d); older is read from the archive',
    )
    .addHelpText('after', () => help.query ?? '')
    .action(async (name: string | undefined, params: string[], options: QueryOptions) => {
      const { queryCommand } = await import('./commands/query.js');
      await queryCommand(name, params, options);
    });

  program
    .command('replay')
    .description('send archived records of an event-time range back into the raw topic, with their keys and headers')
    .option('--topic <role>', 'the archived topic to replay (raw)', 'raw')
    .option('--from <time>', 'event times from: a UTC date (2026-11-01) or an ISO 8601 time')
    .option('--to <time>', 'event times before: a UTC date (through the end of that day) or an ISO 8601 time')
    .option('--dry-run', 'count what would be sent, send nothing')
    .option('--archive-dir <dir>', 'the archive folder (default .data/archive)')
    .option('--archive <url>', 'read an S3 archive instead (s3://bucket/prefix; the range is downloaded to .data/archive-cache)')
    .option('--json', 'also print the counts as JSON')
    .action(async (options: ReplayCommandOptions) => {
      const { replayCommand } = await import('./commands/replay.js');
      await replayCommand(options);
    });
}

/** dlq list, show, replay. */
function registerDlqCommands(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('inspect the DLQ (or the failure destination) by reason, stage and time; replay records into raw');
  const filterOptions = (command: Command) =>
    command
      .option('--reason <reasons>', 'only these reasons, comma-separated (e.g. INVALID_CURRENCY,UNKNOWN_PRODUCT)')
      .option('--stage <stages>', 'only records set aside by these stages (ingest, enrich, sink)')
      .option('--since <time>', 'only records set aside since then: 30s, 15m, 2h, 7d, or an ISO 8601 time')
      .option('--failures', 'read the failure destination (batches whose retries ran out) instead of the DLQ');
  filterOptions(dlq.command('list').description('count records by stage and reason, then list them'))
    .option('--limit <n>', 'list at most the last n records', '100')
    .option('--json', 'print JSON instead of tables')
    .action(async (options: DlqListOptions) => {
      const { dlqListCommand } = await import('./commands/dlq.js');
      await dlqListCommand(options);
    });
  dlq
    .command('show')
    .description('print one record: where it came from, why, its headers and value')
    .argument('<position>', 'partition:offset in the DLQ (an offset alone when it is unambiguous)')
    .option('--failures', 'read the failure destination instead of the DLQ')
    .option('--json', 'print JSON')
    .action(async (position: string, options: DlqShowOptions) => {
      const { dlqShowCommand } = await import('./commands/dlq.js');
      await dlqShowCommand(position, options);
    });
  filterOptions(dlq.command('replay').description('send chosen records back to raw, skipping events already stored'))
    .option('--offset <positions...>', 'only these records, as partition:offset')
    .option('--all', 'replay every record')
    .option('--dry-run', 'show what would be sent, send nothing')
    .option('--again', 'also send records replayed before and records whose cause is unchanged')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: DlqReplayOptions) => {
      const { dlqReplayCommand } = await import('./commands/dlq.js');
      await dlqReplayCommand(options);
    });
}

/** status, reset. */
function registerStoreCommands(program: Command): void {
  program
    .command('status')
    .description('is a local twin running: its addresses, counts, lag and latency; where the local store is and its size')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: { json?: boolean; dataDir?: string }) => {
      const { statusCommand } = await import('./commands/status.js');
      await statusCommand(options);
    });
  program
    .command('reset')
    .description('empty the local store (PGlite folder): every stored event and rollup; refused while a twin runs')
    .option('--yes', 'really delete')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .action(async (options: { yes?: boolean; dataDir?: string }) => {
      const { resetCommand } = await import('./commands/reset.js');
      await resetCommand(options);
    });
}

/** The Kafka tools: topics, tail, groups (and groups seek). */
function registerKafkaTools(program: Command): void {
  program
    .command('topics')
    .description("list the running twin's topics (or KAFKA_BROKERS'): partitions, records, end offsets")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { topicsCommand } = await import('./commands/kafka-tools.js');
      await topicsCommand(options);
    });
  program
    .command('tail')
    .description('print the last records of a topic, decoded (-f: then follow until Ctrl-C)')
    .argument('<topic>', 'topic name, or its role: raw, clean, enriched, dlq, failures')
    .option('-n, --lines <n>', 'records per partition to start with', '10')
    .option('-f, --follow', 'keep printing new records until Ctrl-C')
    .option('--json', 'one JSON object per record')
    .action(async (topic: string, options: { lines?: string; follow?: boolean; json?: boolean }) => {
      const { tailCommand } = await import('./commands/kafka-tools.js');
      await tailCommand(topic, options);
    });
  const groups = program
    .command('groups')
    .description("each stage's consumer group: committed offsets, end offsets and lag per partition")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { groupsCommand } = await import('./commands/kafka-tools.js');
      await groupsCommand(options);
    });
  groups
    .command('seek')
    .description(
      "move a stage's group to a time (in the running twin, or on KAFKA_BROKERS while the group is stopped): it processes again from there",
    )
    .argument('<stage>', 'ingest | enrich | sink')
    .requiredOption('--to <time>', 'ISO 8601 time, a duration ago (15m), earliest or latest')
    .action(async (stage: string, options: { to?: string }) => {
      const { groupsSeekCommand } = await import('./commands/kafka-tools.js');
      await groupsSeekCommand(stage, options);
    });
}

/** Runs the CLI; returns the exit code. Expected failures print one line, never a stack trace. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    // The query list in `query --help` comes from the analytics modules: loaded for that help only, so other commands start fast.
    const help: LoadedHelp = {};
    if (argv[0] === 'query' && argv.some((a) => a === '--help' || a === '-h')) {
      help.query = (await import('./commands/query-help.js')).queryHelpText();
    }
    await buildProgram(help).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and version are not failures.
      return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    if (error instanceof CliUsageError || error instanceof ConfigError) {
      process.stderr.write(`tributary: ${error.message}\n`);
      return USAGE_EXIT_CODE;
    }
    process.stderr.write(`tributary: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2));
}
