/** The end of `tributary start`: the run summary, the change data capture line, the JSON file. */
import { writeFileSync } from 'node:fs';
import type { ShopTraffic } from '../cdc/shop-traffic.js';
import type { GeneratorRunSummary } from '../generator/generator-run.js';
import type { LocalTwin } from '../twin/local-twin.js';
import { buildSummary, formatSummary, type RunSummary } from '../twin/run-summary.js';
import type { StartOptions } from './start-options.js';

export interface RunOutcome {
  /** Undefined when the twin only waited for events. */
  readonly generated: GeneratorRunSummary | undefined;
  readonly generatorSeconds: number;
  readonly drained: boolean;
}

const n = (value: number) => value.toLocaleString('en-US');

export async function summarizeRun(twin: LocalTwin, options: StartOptions, outcome: RunOutcome): Promise<RunSummary> {
  const { generated } = outcome;
  const [row] = await twin.store.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
  const mappings = Object.values(twin.mappings);
  return buildSummary({
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
    drained: outcome.drained,
    generatorSeconds: outcome.generatorSeconds,
    pollerMode: twin.mode.pollerMode,
    consumerRestarts: mappings.reduce((sum, m) => sum + m.stats().consumerRestarts, 0),
    consumerFailures: twin.consumerFailures(),
  });
}

/** The summary on stdout (with the capture's line when it ran), and in the --json file when asked. */
export function printRunSummary(
  summary: RunSummary,
  twin: LocalTwin,
  shopTraffic: ShopTraffic | undefined,
  json: string | undefined,
): void {
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (twin.cdc) process.stdout.write(captureLine(twin.cdc, shopTraffic));
  if (json) {
    writeFileSync(json, `${JSON.stringify(summary, null, 2)}\n`);
    process.stderr.write(`Summary written to ${json}\n`);
  }
}

function captureLine(cdc: NonNullable<LocalTwin['cdc']>, shopTraffic: ShopTraffic | undefined): string {
  const c = cdc.shop.capture.stats();
  const s = cdc.stats;
  const latency = s.latency.summary();
  return (
    `Change data capture: ${n(c.changesPublished)} changes captured (snapshot ${n(c.snapshotRows)} rows); ` +
    `catalogue applied ${n(s.stages.catalogue.applied)}, orders applied ${n(s.stages.orders.applied)} ` +
    `(stale ${n(s.stages.catalogue.stale + s.stages.orders.stale)}); change-to-queryable p50 ${latency.p50} ms, p99 ${latency.p99} ms` +
    (shopTraffic ? `; shop: ${n(shopTraffic.stats.ordersWritten)} orders written` : '') +
    '\n'
  );
}
