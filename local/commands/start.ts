/**
 * `npm start` / `tributary start`: runs the local twin with the traffic generator, a live progress
 * line, and a summary at the end. Ctrl-C stops the generator, lets every stage drain, commits, and
 * exits 0 with the summary; a second Ctrl-C (a second or more later) stops at once.
 *
 * `npm start` runs `exec node --import tsx ...`: with `exec` the shell npm starts becomes node,
 * so no shell is left to die of the terminal's SIGINT (npm then exits 130 whatever node does),
 * and no `tsx` parent relays signals (it kills a child that does not acknowledge one in 60 ms,
 * which a busy twin may not).
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { optionalEnv } from '../../src/config/env.js';
import { definePipeline } from '../../src/pipeline/definition.js';
import { startShopTraffic } from '../cdc/shop-traffic.js';
import { startDashboardServer } from '../dashboard/dashboard-server.js';
import { twinStatusSource } from '../dashboard/twin-status-source.js';
import { runGenerator } from '../generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../generator/storefront-traffic.js';
import { readDeploymentMode } from '../twin/deployment-mode.js';
import { watchInterrupts } from '../twin/interrupt-signals.js';
import { describeLagVerdict, LagWatch } from '../twin/lag-watch.js';
import { storeKey } from '../twin/local-store.js';
import { startTwin } from '../twin/local-twin.js';
import { formatProgress, ProgressLine } from '../twin/progress-line.js';
import { startRetentionSweep } from '../twin/raw-retention.js';
import { buildSummary, formatSummary, type RunSummary } from '../twin/run-summary.js';
import { claimTwinAddress } from '../twin/twin-address.js';
import { twinStatus } from '../twin/twin-status.js';
import { storeDataDir } from './prepared-store.js';
import { DEFAULT_LOCAL_RETENTION, parseStartOptions, type RawStartOptions } from './start-options.js';

const DRAIN_TIMEOUT_MS = 60_000;

/** The run ended with a stage whose Kafka consumer could not be restarted (the summary says why). */
export class ConsumerFailedError extends Error {
  constructor(readonly stages: readonly string[]) {
    super(`the Kafka consumer of ${stages.join(', ')} failed and was not restarted: records are left unread (see the summary)`);
    this.name = 'ConsumerFailedError';
  }
}

export async function startCommand(raw: RawStartOptions): Promise<RunSummary> {
  const options = parseStartOptions(raw);
  const pipeline = definePipeline({ partitions: options.partitions, batchSize: options.batchSize, batchingWindowMs: options.windowMs });
  const err = process.stderr;
  const storeLocation = { dataDir: options.dataDir };
  // The twin's own store (embedded server or PGlite) keeps 30 minutes of events; a DATABASE_URL store is the user's.
  const ownStore = optionalEnv('DATABASE_URL') === undefined;
  const retentionSeconds =
    options.retentionSeconds ??
    (raw.retention === undefined && ownStore ? parseStartOptions({ retention: DEFAULT_LOCAL_RETENTION }).retentionSeconds : undefined);
  // Claimed before anything starts: a second twin here refuses without touching the first one's files.
  const address = claimTwinAddress();
  err.write('Starting the local twin...\n');
  const mode = readDeploymentMode(options.environment, options.pollerMode);
  const twin = await startTwin({
    pipeline,
    mode,
    kafkaBrokers: optionalEnv('KAFKA_BROKERS'),
    store: storeLocation,
    onWarning: (message) => err.write(`\nwarning: ${message}\n`),
    archive: options.archiveDir === undefined ? undefined : { dir: options.archiveDir },
    // The shop database (embedded PostgreSQL in .data/postgres, or SOURCE_DATABASE_URL) and its capture.
    cdc: options.cdc
      ? { dataDir: dirname(storeDataDir({ dataDir: options.dataDir })), sourceUrl: optionalEnv('SOURCE_DATABASE_URL') }
      : undefined,
  }).catch((error: unknown) => {
    address.release();
    throw error;
  });
  // Each purchase the generator sends also writes its order to the shop database.
  let shopWarned = false;
  const shopTraffic =
    twin.cdc && options.generate
      ? startShopTraffic(twin.publisher, twin.cdc.shop.source.client, {
          seed: options.seed,
          onError: (error) => {
            if (shopWarned) return;
            shopWarned = true;
            err.write(
              `\nwarning: the shop traffic failed (counted, not repeated): ${error instanceof Error ? error.message : String(error)}\n`,
            );
          },
        })
      : undefined;
  const status = twinStatusSource(twin);
  const lagWatch = new LagWatch();
  // While a stage is moved (groups seek) its lag is expected to jump: no falling-behind warning then.
  let seeking = 0;
  let dashboardUrl = '';
  const dashboard = await startDashboardServer({
    store: twin.store,
    status,
    port: options.port,
    api: {
      store: twin.store,
      publisher: twin.publisher,
      rawTopic: pipeline.topics.raw.name,
      status: () => twinStatus(twin, { url: dashboardUrl, ratePerSecond: options.generate ? options.rate : 0 }),
      seek: async (stage, to) => {
        seeking++;
        try {
          return await twin.seekStage(stage, to);
        } finally {
          seeking--;
          lagWatch.reset();
        }
      },
    },
    onError: (error, info) =>
      err.write(
        `\nwarning: dashboard request ${info.path} failed (${info.requestId}): ${error instanceof Error ? error.message : String(error)}\n`,
      ),
  }).catch(async (error: unknown) => {
    await twin.stop();
    address.release();
    throw error;
  });
  dashboardUrl = dashboard.url;
  const queryUrl = `${dashboard.url}query`;
  address.update({
    bootstrapServers: twin.cluster.bootstrapServers,
    pipelineName: pipeline.name,
    url: dashboard.url,
    queryUrl,
    store: storeKey(storeLocation),
  });
  twin.storeOwner?.update({ url: dashboard.url });
  const retention =
    retentionSeconds === undefined
      ? undefined
      : startRetentionSweep(twin.store, retentionSeconds * 1000, (error) =>
          err.write(
            `\nwarning: deleting expired events failed (next sweep retries): ${error instanceof Error ? error.message : String(error)}\n`,
          ),
        );
  err.write(
    `Event source mappings: ${mode.pollerMode} pollers (as ${options.pollerMode ? '--poller-mode' : `cdk.json "${mode.environment}"`}), failure destination in ${mode.failureDestination} format\n`,
  );
  err.write(`Kafka: ${twin.cluster.describe()} at ${twin.cluster.bootstrapServers}\nStore: ${twin.storeDescription}\n`);
  if (retentionSeconds !== undefined)
    err.write(`Retention: stored events older than ${retentionSeconds / 60} min are deleted (rollups kept; --retention)\n`);
  if (twin.cdc) err.write(`Shop database (change data capture): ${twin.cdc.shop.source.description}\n`);
  err.write(`Dashboard: ${dashboard.url}  (query API: ${queryUrl}, events: POST ${dashboard.url}events)\n`);
  if (options.archiveDir !== undefined)
    err.write(`Archive: raw and enriched as Parquet in ${options.archiveDir} (files every 60 s or 64 MB)\n`);
  err.write(
    options.generate
      ? `Generating ${options.rate.toLocaleString('en-US')} events/s${options.durationSeconds ? ` for ${options.durationSeconds} s` : ''}; Ctrl-C stops, drains and prints a summary.\n`
      : 'Waiting for events (tributary produce, POST /events); Ctrl-C stops, drains and prints a summary.\n',
  );

  const abort = new AbortController();
  const stopNow = new AbortController();
  const interrupts = watchInterrupts({
    onFirst: () => {
      err.write('\nStopping: generator stopped, draining the pipeline (Ctrl-C again to stop now)...\n');
      abort.abort();
    },
    onSecond: () => {
      err.write('\nSecond Ctrl-C: stopping now without draining; records left in Kafka are not stored.\n');
      stopNow.abort();
    },
  });

  const progress = new ProgressLine();
  let produced = 0;
  let last = { at: Date.now(), produced: 0, stored: 0 };
  const ticker = setInterval(() => {
    void twin.lag().then(
      (lag) => {
        const now = Date.now();
        const stored = twin.stats.stages.sink.passed;
        const seconds = Math.max(0.001, (now - last.at) / 1000);
        const eventsPerSecond = Math.round((produced - last.produced) / seconds);
        const storedPerSecond = Math.round((stored - last.stored) / seconds);
        last = { at: now, produced, stored };
        progress.show(formatProgress(twin.stats, produced, lag, eventsPerSecond, storedPerSecond, twin.consumerFailures()));
        const verdict = abort.signal.aborted || seeking > 0 ? undefined : lagWatch.add(lag, now);
        if (verdict)
          err.write(
            `\n${verdict.kind === 'behind' ? 'warning: ' : ''}${describeLagVerdict(verdict, options.generate ? options.rate : undefined)}\n`,
          );
      },
      () => {},
    );
  }, 1000);

  const generatorStarted = Date.now();
  let generatorSeconds = 0;
  try {
    const generated = options.generate
      ? await runGenerator({
          // The seed shapes the traffic; the run id keeps event ids new on every run over the same store.
          generator: createTrafficGenerator({
            seed: options.seed,
            runId: Date.now().toString(36),
            invalidShare: options.invalidShare,
            duplicateShare: options.duplicateShare,
          }),
          publisher: shopTraffic?.publisher ?? twin.publisher,
          topic: pipeline.topics.raw.name,
          ratePerSecond: options.rate,
          durationMs: options.durationSeconds === undefined ? undefined : options.durationSeconds * 1000,
          signal: abort.signal,
          onProgress: (p) => {
            produced = p.acknowledged;
          },
        })
      : await new Promise<undefined>((resolve) => abort.signal.addEventListener('abort', () => resolve(undefined)));
    generatorSeconds = (Date.now() - generatorStarted) / 1000;
    await shopTraffic?.stop();
    if (twin.cdc && !(await twin.cdc.shop.capture.caughtUp(DRAIN_TIMEOUT_MS)))
      err.write('\nwarning: the capture did not catch up with the shop database\n');

    const drained = await twin.drain(DRAIN_TIMEOUT_MS, stopNow.signal);
    clearInterval(ticker);
    progress.done();
    const [row] = await twin.store.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const mappings = Object.values(twin.mappings);
    const summary = buildSummary({
      stats: twin.stats,
      kafka: twin.cluster.describe(),
      store: twin.storeDescription,
      ratePerSecond: options.rate,
      produced: generated
        ? {
            sent: generated.sent,
            acknowledged: generated.acknowledged,
            valid: generated.byKind.valid,
            invalid: generated.byKind.invalid,
            duplicates: generated.byKind.duplicate,
          }
        : { sent: 0, acknowledged: 0, valid: 0, invalid: 0, duplicates: 0 },
      failureDestination: mappings.reduce((sum, m) => sum + m.stats().sentToFailureDestination, 0),
      storedEvents: row?.n ?? 0,
      drained,
      generatorSeconds,
      pollerMode: twin.mode.pollerMode,
      consumerRestarts: mappings.reduce((sum, m) => sum + m.stats().consumerRestarts, 0),
      consumerFailures: twin.consumerFailures(),
    });
    process.stdout.write(`${formatSummary(summary)}\n`);
    if (twin.cdc) {
      const c = twin.cdc.shop.capture.stats();
      const s = twin.cdc.stats;
      const latency = s.latency.summary();
      process.stdout.write(
        `Change data capture: ${c.changesPublished.toLocaleString('en-US')} changes captured (snapshot ${c.snapshotRows.toLocaleString('en-US')} rows); ` +
          `catalogue applied ${s.stages.catalogue.applied.toLocaleString('en-US')}, orders applied ${s.stages.orders.applied.toLocaleString('en-US')} ` +
          `(stale ${(s.stages.catalogue.stale + s.stages.orders.stale).toLocaleString('en-US')}); change-to-queryable p50 ${latency.p50} ms, p99 ${latency.p99} ms` +
          (shopTraffic ? `; shop: ${shopTraffic.stats.ordersWritten.toLocaleString('en-US')} orders written` : '') +
          '\n',
      );
    }
    if (options.json) {
      writeFileSync(options.json, `${JSON.stringify(summary, null, 2)}\n`);
      err.write(`Summary written to ${options.json}\n`);
    }
    // A stage that stopped reading is a failed run (exit code 1), whatever else the summary says.
    const failed = Object.keys(summary.consumerFailures);
    if (failed.length > 0) throw new ConsumerFailedError(failed);
    return summary;
  } finally {
    clearInterval(ticker);
    await shopTraffic?.stop();
    await retention?.stop();
    await dashboard.close();
    await twin.stop();
    address.release();
    // Last: an interrupt's late echo during teardown must still find a listener.
    interrupts.dispose();
  }
}
