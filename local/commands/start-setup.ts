/** What `tributary start` brings up before it runs: the twin, the shop's orders, the dashboard, the retention sweep. */
import { dirname } from 'node:path';
import { optionalEnv } from '../../src/config/env.js';
import type { PipelineDefinition } from '../../src/pipeline/definition.js';
import { type ShopTraffic, startShopTraffic } from '../cdc/shop-traffic.js';
import { type DashboardServer, startDashboardServer } from '../dashboard/dashboard-server.js';
import { twinStatusSource } from '../dashboard/twin-status-source.js';
import { storeDataDir } from '../store/prepared-store.js';
import { type DeploymentMode, readDeploymentMode } from '../twin/deployment-mode.js';
import { storeKey } from '../twin/local-store.js';
import { type LocalTwin, startTwin } from '../twin/local-twin.js';
import type { OwnerFile } from '../twin/owner-file.js';
import { type RetentionSweep, startRetentionSweep } from '../twin/raw-retention.js';
import { claimTwinAddress } from '../twin/twin-address.js';
import { twinStatus } from '../twin/twin-status.js';
import { DEFAULT_LOCAL_RETENTION, parseStartOptions, type RawStartOptions, type StartOptions } from './start-options.js';
import { LagWarnings } from './start-progress.js';

export interface StartedRun {
  readonly address: OwnerFile;
  readonly mode: DeploymentMode;
  readonly twin: LocalTwin;
  readonly shopTraffic: ShopTraffic | undefined;
  readonly lagWarnings: LagWarnings;
  readonly dashboard: DashboardServer;
  readonly queryUrl: string;
  readonly retentionSeconds: number | undefined;
  readonly retention: RetentionSweep | undefined;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function setUpRun(raw: RawStartOptions, options: StartOptions, pipeline: PipelineDefinition): Promise<StartedRun> {
  const err = process.stderr;
  const retentionSeconds = resolveRetentionSeconds(raw, options);
  // Claimed before anything starts: a second twin here refuses without touching the first one's files.
  const address = claimTwinAddress();
  err.write('Starting the local twin...\n');
  const mode = readDeploymentMode(options.environment, options.pollerMode);
  const twin = await launchTwin(options, pipeline, mode).catch((error: unknown) => {
    address.release();
    throw error;
  });
  const shopTraffic = startShopOrders(twin, options);
  const lagWarnings = new LagWarnings();
  const dashboard = await launchDashboard(twin, options, pipeline, lagWarnings).catch(async (error: unknown) => {
    await twin.stop();
    address.release();
    throw error;
  });
  const queryUrl = `${dashboard.url}query`;
  address.update({
    bootstrapServers: twin.cluster.bootstrapServers,
    pipelineName: pipeline.name,
    url: dashboard.url,
    queryUrl,
    store: storeKey({ dataDir: options.dataDir }),
  });
  twin.storeOwner?.update({ url: dashboard.url });
  const retention =
    retentionSeconds === undefined
      ? undefined
      : startRetentionSweep(twin.store, retentionSeconds * 1000, (error) =>
          err.write(`\nwarning: deleting expired events failed (next sweep retries): ${errorText(error)}\n`),
        );
  return { address, mode, twin, shopTraffic, lagWarnings, dashboard, queryUrl, retentionSeconds, retention };
}

/** The twin's own store (embedded server or PGlite) keeps 30 minutes of events; a DATABASE_URL store is the user's. */
function resolveRetentionSeconds(raw: RawStartOptions, options: StartOptions): number | undefined {
  const ownStore = optionalEnv('DATABASE_URL') === undefined;
  return (
    options.retentionSeconds ??
    (raw.retention === undefined && ownStore ? parseStartOptions({ retention: DEFAULT_LOCAL_RETENTION }).retentionSeconds : undefined)
  );
}

function launchTwin(options: StartOptions, pipeline: PipelineDefinition, mode: DeploymentMode): Promise<LocalTwin> {
  return startTwin({
    pipeline,
    mode,
    kafkaBrokers: optionalEnv('KAFKA_BROKERS'),
    store: { dataDir: options.dataDir },
    onWarning: (message) => process.stderr.write(`\nwarning: ${message}\n`),
    archive: options.archiveDir === undefined ? undefined : { dir: options.archiveDir },
    // The shop database (embedded PostgreSQL in .data/postgres, or SOURCE_DATABASE_URL) and its capture.
    cdc: options.cdc
      ? { dataDir: dirname(storeDataDir({ dataDir: options.dataDir })), sourceUrl: optionalEnv('SOURCE_DATABASE_URL') }
      : undefined,
  });
}

/** Each purchase the generator sends also writes its order to the shop database. */
function startShopOrders(twin: LocalTwin, options: StartOptions): ShopTraffic | undefined {
  if (!twin.cdc || !options.generate) return undefined;
  let shopWarned = false;
  return startShopTraffic(twin.publisher, twin.cdc.shop.source.client, {
    seed: options.seed,
    onError: (error) => {
      if (shopWarned) return;
      shopWarned = true;
      process.stderr.write(`\nwarning: the shop traffic failed (counted, not repeated): ${errorText(error)}\n`);
    },
  });
}

function launchDashboard(
  twin: LocalTwin,
  options: StartOptions,
  pipeline: PipelineDefinition,
  lagWarnings: LagWarnings,
): Promise<DashboardServer> {
  let dashboardUrl = '';
  return startDashboardServer({
    store: twin.store,
    status: twinStatusSource(twin),
    port: options.port,
    api: {
      store: twin.store,
      publisher: twin.publisher,
      rawTopic: pipeline.topics.raw.name,
      status: () => twinStatus(twin, { url: dashboardUrl, ratePerSecond: options.generate ? options.rate : 0 }),
      // While a stage is moved (groups seek) its lag is expected to jump: no falling-behind warning then.
      seek: (stage, to) => lagWarnings.duringSeek(() => twin.seekStage(stage, to)),
    },
    onError: (error, info) =>
      process.stderr.write(`\nwarning: dashboard request ${info.path} failed (${info.requestId}): ${errorText(error)}\n`),
  }).then((dashboard) => {
    dashboardUrl = dashboard.url;
    return dashboard;
  });
}

/** The lines that say what runs where. */
export function printStartBanner(run: StartedRun, options: StartOptions): void {
  const { mode, twin, dashboard, retentionSeconds } = run;
  const err = process.stderr;
  err.write(
    `Event source mappings: ${mode.pollerMode} pollers (as ${options.pollerMode ? '--poller-mode' : `cdk.json "${mode.environment}"`}), failure destination in ${mode.failureDestination} format\n`,
  );
  err.write(`Kafka: ${twin.cluster.describe()} at ${twin.cluster.bootstrapServers}\nStore: ${twin.storeDescription}\n`);
  if (retentionSeconds !== undefined)
    err.write(`Retention: stored events older than ${retentionSeconds / 60} min are deleted (rollups kept; --retention)\n`);
  if (twin.cdc) err.write(`Shop database (change data capture): ${twin.cdc.shop.source.description}\n`);
  err.write(`Dashboard: ${dashboard.url}  (query API: ${run.queryUrl}, events: POST ${dashboard.url}events)\n`);
  if (options.archiveDir !== undefined)
    err.write(`Archive: raw and enriched as Parquet in ${options.archiveDir} (files every 60 s or 64 MB)\n`);
  err.write(
    options.generate
      ? `Generating ${options.rate.toLocaleString('en-US')} events/s${options.durationSeconds ? ` for ${options.durationSeconds} s` : ''}; Ctrl-C stops, drains and prints a summary.\n`
      : 'Waiting for events (tributary produce, POST /events); Ctrl-C stops, drains and prints a summary.\n',
  );
}
