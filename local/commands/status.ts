/** `tributary status`: is a twin running, where, how it is doing; where the local store is and how big. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { localStoreFolder, pgliteFolder, storeOwner } from '../twin/local-store.js';
import { runningTwin } from '../twin/twin-address.js';
import { TwinApiClient } from '../twin/twin-api-client.js';
import type { TwinStatus } from '../twin/twin-status.js';
import { formatTable } from './table-format.js';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Bytes under a folder. */
export function folderBytes(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, name) => sum + folderBytes(join(path, name)), 0);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function statusCommand(options: { json?: boolean; dataDir?: string }): Promise<void> {
  const twin = runningTwin();
  const folder = localStoreFolder({ dataDir: options.dataDir });
  const lockable = pgliteFolder({ dataDir: options.dataDir });
  const owner = lockable ? storeOwner(lockable) : undefined;
  const storeInfo = folder
    ? { folder, bytes: folderBytes(folder), owner: owner ? { pid: owner.pid, command: owner.command } : null }
    : null;
  const status = twin?.url ? await new TwinApiClient(twin.url).get<TwinStatus>('/api/status') : undefined;
  if (options.json) return out(JSON.stringify({ twin: status ?? null, localStore: storeInfo }, null, 2));
  if (!status) out('No local twin is running here (`npm start` starts one).');
  else {
    out(`Local twin running: pid ${status.pid}, up ${status.uptimeSeconds} s, ${status.url}`);
    out(`  Kafka: ${status.kafka.description} at ${status.kafka.bootstrapServers}`);
    out(`  Store: ${status.store}`);
    out(
      `  Generator: ${status.ratePerSecond ? `${status.ratePerSecond.toLocaleString('en-US')} events/s` : 'off'}; ingest-to-queryable p50 ${status.latencyMs.p50} ms, p99 ${status.latencyMs.p99} ms`,
    );
    out(
      formatTable(
        ['stage', 'records in', 'passed', 'to DLQ', 'lag'],
        Object.entries(status.stages).map(([stage, s]) => [stage, s.records, s.passed, s.dlq, s.lag]),
      ),
    );
  }
  if (storeInfo) {
    out(
      `Local store: ${storeInfo.folder}, ${mb(storeInfo.bytes)}${owner ? `, held by ${owner.command} (pid ${owner.pid})` : ''}` +
        (storeInfo.bytes > 0 && !owner ? ' (`tributary reset` empties it)' : ''),
    );
  }
}
