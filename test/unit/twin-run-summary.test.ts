/** A stage whose consumer could not be restarted is said loudly: first on the live line, and in the summary. */
import { describe, expect, it } from 'vitest';
import { formatProgress } from '../../local/twin/progress-line.js';
import { buildSummary, formatSummary } from '../../local/twin/run-summary.js';
import { TwinStats } from '../../local/twin/twin-stats.js';

const lag = { ingest: 0, enrich: 12, sink: 0 };
const produced = { sent: 10, acknowledged: 10, valid: 10, invalid: 0, duplicates: 0 };

function summary(consumerFailures: Record<string, string>) {
  return buildSummary({
    stats: new TwinStats(),
    kafka: 'embedded',
    store: 'pglite',
    ratePerSecond: 10,
    produced,
    failureDestination: 0,
    storedEvents: 10,
    drained: false,
    generatorSeconds: 1,
    pollerMode: 'on-demand',
    consumerRestarts: 3,
    consumerFailures,
  });
}

describe('consumer failures in the twin output', () => {
  it('leads the progress line with the failed stages, and says nothing while all read', () => {
    const stats = new TwinStats();
    expect(formatProgress(stats, 10, lag, 5, undefined, { enrich: 'crashed 9 times' })).toMatch(/^CONSUMER FAILED: enrich \| produced 10/);
    expect(formatProgress(stats, 10, lag, 5, undefined, {})).not.toMatch(/CONSUMER FAILED/);
  });

  it('names the mode, the restarts and each failed stage with its reason in the summary', () => {
    const text = formatSummary(summary({ enrich: 'consumer crashed 9 times in a row' }));
    expect(text).toContain('poller mode on-demand; consumer restarts 3');
    expect(text).toContain('CONSUMER FAILED enrich: consumer crashed 9 times in a row; its records are left unread');
    expect(formatSummary(summary({}))).not.toContain('CONSUMER FAILED');
  });
});
