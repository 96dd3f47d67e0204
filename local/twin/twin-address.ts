/**
 * Where a running twin's Kafka listens. The embedded cluster takes free ports, so the twin writes
 * them to a small file that `tributary produce` and other commands read.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { optionalEnv } from '../../src/config/env.js';
import { CliUsageError } from '../cli-error.js';

export const TWIN_ADDRESS_FILE = join('.data', 'twin.json');

export interface TwinAddress {
  bootstrapServers: string;
  pipelineName: string;
  pid: number;
  queryUrl?: string;
}

export function writeTwinAddress(address: TwinAddress, file = TWIN_ADDRESS_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(address, null, 2)}\n`);
}

export function removeTwinAddress(file = TWIN_ADDRESS_FILE): void {
  rmSync(file, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** KAFKA_BROKERS when set, else the running twin's brokers; a clear error when neither is there. */
export function resolveBrokers(file = TWIN_ADDRESS_FILE): { brokers: string; pipelineName?: string } {
  const explicit = optionalEnv('KAFKA_BROKERS');
  if (explicit) return { brokers: explicit };
  let address: TwinAddress;
  try {
    address = JSON.parse(readFileSync(file, 'utf8')) as TwinAddress;
  } catch {
    throw new CliUsageError('no running local twin found (start one with `npm start`) and KAFKA_BROKERS is not set');
  }
  if (!isRunning(address.pid)) {
    throw new CliUsageError(`the local twin that wrote ${file} (pid ${address.pid}) is not running; start one with \`npm start\``);
  }
  return { brokers: address.bootstrapServers, pipelineName: address.pipelineName };
}
