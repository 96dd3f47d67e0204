/** Parses and checks `tributary start` options; each problem is reported naming the flag. */
import { parseDuration } from '../../src/analytics/duration.js';
import { type Limit, LOCAL_PARTITIONS, PIPELINE_DEFAULTS, PIPELINE_LIMITS } from '../../src/pipeline/pipeline-limits.js';
import { DEFAULT_ARCHIVE_DIR } from '../archive/archive-layout.js';
import { CliUsageError } from '../cli-error.js';
import { POLLER_MODES, type PollerMode, parsePollerMode } from '../event-source-mapping/poller-mode.js';

export interface StartOptions {
  rate: number;
  /** Seconds; undefined = until Ctrl-C. */
  durationSeconds?: number;
  partitions: number;
  batchSize?: number;
  windowMs?: number;
  seed: number;
  invalidShare: number;
  duplicateShare: number;
  json?: string;
  dataDir?: string;
  port?: number;
  /** Do not run the generator (use `tributary produce` instead). */
  generate: boolean;
  /** cdk.json environment whose poller mode the mappings emulate. */
  environment?: string;
  /** Overrides the environment's poller mode. */
  pollerMode?: PollerMode;
  /** The archive folder; undefined with --no-archive. */
  archiveDir?: string;
  /** Run the shop database and its change data capture (catalogue and orders stages). */
  cdc: boolean;
  /** Stored events older than this are deleted (rollups kept); undefined = keep everything. */
  retentionSeconds?: number;
}

/**
 * Events per second the generator sends by default: what a 2-core machine shared with other busy
 * programs holds with ingest-to-queryable p99 under 1 s (581 ms measured at load average 6-8).
 * A quiet machine holds several times more (docs/performance.md); --rate raises it.
 */
export const DEFAULT_RATE = 500;
/** Local retention of raw events in the twin's own store by default (a DATABASE_URL store keeps everything unless --retention is given). */
export const DEFAULT_LOCAL_RETENTION = '30m';

export interface RawStartOptions {
  rate?: string;
  duration?: string;
  partitions?: string;
  batchSize?: string;
  windowMs?: string;
  seed?: string;
  invalidShare?: string;
  duplicateShare?: string;
  json?: string;
  dataDir?: string;
  port?: string;
  generate?: boolean;
  environment?: string;
  pollerMode?: string;
  archive?: boolean;
  archiveDir?: string;
  cdc?: boolean;
  retention?: string;
}

function number(flag: string, text: string | undefined, { min, max }: Limit, integer = true): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new CliUsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function pollerMode(text: string): PollerMode {
  const mode = parsePollerMode(text);
  if (!mode) throw new CliUsageError(`--poller-mode must be one of ${POLLER_MODES.join(', ')}, got "${text}"`);
  return mode;
}

function parseFlagDuration(flag: string, text: string): number {
  const ms = parseDuration(text, { lenient: true });
  if (ms === undefined) throw new CliUsageError(`${flag} must look like 60, 60s, 5m, 1h or 7d, got "${text}"`);
  if (ms <= 0) throw new CliUsageError(`${flag} must be more than 0`);
  return ms / 1000;
}

export function parseStartOptions(raw: RawStartOptions): StartOptions {
  return {
    rate: number('--rate', raw.rate, { min: 1, max: 100_000 }) ?? DEFAULT_RATE,
    durationSeconds: raw.duration === undefined ? undefined : parseFlagDuration('--duration', raw.duration),
    partitions: number('--partitions', raw.partitions, LOCAL_PARTITIONS) ?? PIPELINE_DEFAULTS.partitions,
    batchSize: number('--batch-size', raw.batchSize, PIPELINE_LIMITS.batchSize),
    windowMs: number('--window-ms', raw.windowMs, PIPELINE_LIMITS.batchingWindowMs),
    seed: number('--seed', raw.seed, { min: 0, max: 2 ** 31 }) ?? 1,
    invalidShare: number('--invalid-share', raw.invalidShare, { min: 0, max: 1 }, false) ?? 0.01,
    duplicateShare: number('--duplicate-share', raw.duplicateShare, { min: 0, max: 1 }, false) ?? 0.005,
    json: raw.json,
    dataDir: raw.dataDir,
    port: number('--port', raw.port, { min: 0, max: 65_535 }),
    generate: raw.generate !== false,
    ...(raw.environment !== undefined ? { environment: raw.environment } : {}),
    ...(raw.pollerMode !== undefined ? { pollerMode: pollerMode(raw.pollerMode) } : {}),
    archiveDir: raw.archive === false ? undefined : (raw.archiveDir ?? DEFAULT_ARCHIVE_DIR),
    cdc: raw.cdc !== false,
    retentionSeconds: raw.retention === undefined || raw.retention === 'off' ? undefined : parseFlagDuration('--retention', raw.retention),
  };
}
