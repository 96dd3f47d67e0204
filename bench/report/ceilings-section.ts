/** The ceilings measured first: the Kafka relay and each store's bulk insert. */

import type { StoreKind } from '../model/bench-results.js';
import { type BenchReport, compositeCeilingOf, relayCeiling } from './bench-report.js';
import { heldProbe, n, STORE_NAMES, x } from './report-values.js';

function relayLine(report: BenchReport): string[] {
  const relay = report.relay;
  if (!relay) return [];
  const again = report.relayRepeat
    ? `; again after the pipeline runs ${n(report.relayRepeat.search.sustainedRate)}, ceiling used: mean ${n(relayCeiling(report))}`
    : '';
  return [
    `  Kafka relay, ${relay.hops} hops, ${relay.partitions} partitions, no processing   ${n(relay.search.sustainedRate)} events/s sustained${again}; ${n(heldProbe(relay.search)?.eventsPerCpuSecond)} events per CPU-second`,
  ];
}

function storeLines(report: BenchReport, store: StoreKind): string[] {
  const c = report.stores[store];
  if (!c) return [];
  const methods = c.methods.map((mm) => `${mm.method}/${mm.batchSize} ${n(mm.rowsPerSecond)}`).join(', ');
  const lines = [
    `  ${STORE_NAMES[store]} bulk insert, fastest at batches of ${c.batchSize} (${c.ceilingMethod})   ${n(c.ceilingRowsPerSecond)} rows/s   [${methods}]`,
  ];
  if (c.sameWorkRowsPerSecond)
    lines.push(
      `  ${STORE_NAMES[store]} the sink's work (events + rollups) by COPY into a staging table, then the sink's statement   ${n(c.sameWorkRowsPerSecond)} rows/s; the sink: ${x(c.sinkRowsPerSecond, c.sameWorkRowsPerSecond)} of it`,
    );
  return lines;
}

// Handlers alone open PGlite on their own thread, the twin on a thread of its own: the sink's time alone includes the database's work.
const PGLITE_CAVEAT = " (too low for PGlite: alone, the sink's time includes PGlite's own work, which the twin runs on another thread)";

/** The best any mapping emulator could do with these handlers, on each store whose handlers were measured. */
function compositeLines(report: BenchReport, stores: readonly StoreKind[]): string[] {
  return stores.flatMap((s) => {
    const c = compositeCeilingOf(report, s);
    if (!c) return [];
    return [
      `  Composite on ${STORE_NAMES[s]}: relay + the handlers' own cost (each alone, producing left out), ${c.relayMicrosPerEvent} + ${c.handlersMicrosPerEvent} µs per event   ${n(c.eventsPerSecond)} events/s, ${c.ratioToRelay.toFixed(2)}x relay: the most any emulator could reach${s === 'pglite' ? PGLITE_CAVEAT : ''}`,
    ];
  });
}

export function ceilingsSection(report: BenchReport, stores: readonly StoreKind[]): string[] {
  return [
    'Ceilings, measured first on the same broker and store',
    ...relayLine(report),
    ...stores.flatMap((s) => storeLines(report, s)),
    ...compositeLines(report, stores),
    '',
  ];
}
