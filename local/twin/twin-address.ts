/**
 * Where a running twin listens. The embedded cluster takes free ports, so the twin writes its
 * Kafka address and HTTP API to `.data/twin.json`, which `tributary produce`, `query`, `dlq` and
 * the Kafka tools read. The file is also the twin's claim on `.data`: it is created exclusively,
 * so a second twin started here refuses, naming the first one's pid and URL.
 */
import { join } from 'node:path';
import { optionalEnv } from '../../src/config/env.js';
import { CliUsageError } from '../cli-error.js';
import { acquireOwnerFile, currentOwner, OwnedElsewhereError, type OwnerFile, readOwnerFile } from './owner-file.js';

/** `.data/twin.json`, or twin.json in TRIBUTARY_STATE_DIR (tests, or several twins on one checkout). */
export function twinAddressFile(env = process.env): string {
  return join(optionalEnv('TRIBUTARY_STATE_DIR', env) ?? '.data', 'twin.json');
}

export interface TwinAddress {
  bootstrapServers: string;
  pipelineName: string;
  pid: number;
  /** Base URL of the dashboard and API, e.g. http://127.0.0.1:8787/ */
  url?: string;
  queryUrl?: string;
  /** storeKey() of the store the twin writes. */
  store?: string;
}

export class TwinAlreadyRunningError extends CliUsageError {
  constructor(readonly owner: { pid: number; url?: string }) {
    super(
      `a local twin already runs here (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''}); stop it first, or run this one in another folder`,
    );
    this.name = 'TwinAlreadyRunningError';
  }
}

/** Claims `.data/twin.json` for this twin; its addresses are filled in with update() once known. */
export function claimTwinAddress(file = twinAddressFile()): OwnerFile {
  try {
    return acquireOwnerFile(file, { command: 'tributary start', twin: true });
  } catch (error) {
    if (error instanceof OwnedElsewhereError) throw new TwinAlreadyRunningError(error.owner);
    throw error;
  }
}

/** The running twin, when one runs here and has published its addresses. */
export function runningTwin(file = twinAddressFile()): TwinAddress | undefined {
  const owner = currentOwner(file);
  if (!owner || typeof owner.bootstrapServers !== 'string') return undefined;
  return owner as unknown as TwinAddress;
}

/** KAFKA_BROKERS when set, else the running twin's brokers; a clear error when neither is there. */
export function resolveBrokers(file = twinAddressFile()): { brokers: string; pipelineName?: string } {
  const explicit = optionalEnv('KAFKA_BROKERS');
  if (explicit) return { brokers: explicit };
  const twin = runningTwin(file);
  if (twin) return { brokers: twin.bootstrapServers, pipelineName: twin.pipelineName };
  const stale = readOwnerFile(file);
  if (stale) throw new CliUsageError(`the local twin that wrote ${file} (pid ${stale.pid}) is not running; start one with \`npm start\``);
  throw new CliUsageError('no running local twin found (start one with `npm start`) and KAFKA_BROKERS is not set');
}
