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
import { definePipeline } from '../../src/pipeline/definition.js';
import { runGenerator } from '../generator/rate-limited-producer.js';
import { createTrafficGenerator } from '../generator/storefront-traffic.js';
import { watchInterrupts } from '../twin/interrupt-signals.js';
import type { RunSummary } from '../twin/run-summary.js';
import { parseStartOptions, type RawStartOptions, type StartOptions } from './start-options.js';
import { ProgressTicker } from './start-progress.js';
import { printStartBanner, type StartedRun, setUpRun } from './start-setup.js';
import { printRunSummary, type RunOutcome, summarizeRun } from './start-summary.js';

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
  const run = await setUpRun(raw, options, pipeline);
  printStartBanner(run, options);
  const { interrupts, abort, stopNow } = watchStartInterrupts();
  const ticker = new ProgressTicker({
    twin: run.twin,
    lagWarnings: run.lagWarnings,
    stopping: abort.signal,
    ratePerSecond: options.generate ? options.rate : undefined,
    err: process.stderr,
  });
  try {
    const outcome = await generateAndDrain(run, options, pipeline.topics.raw.name, { abort, stopNow, ticker });
    const summary = await summarizeRun(run.twin, options, outcome);
    printRunSummary(summary, run.twin, run.shopTraffic, options.json);
    // A stage that stopped reading is a failed run (exit code 1), whatever else the summary says.
    const failed = Object.keys(summary.consumerFailures);
    if (failed.length > 0) throw new ConsumerFailedError(failed);
    return summary;
  } finally {
    ticker.cancel();
    // From here a Ctrl-C has nothing left to drain: Node's default action stops the process at once.
    interrupts.dispose();
    await tearDown(run);
  }
}

/** First Ctrl-C: stop generating and drain; second: stop now. */
function watchStartInterrupts() {
  const err = process.stderr;
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
  return { interrupts, abort, stopNow };
}

interface RunControls {
  readonly abort: AbortController;
  readonly stopNow: AbortController;
  readonly ticker: ProgressTicker;
}

/** Generates (or waits for a Ctrl-C), lets the capture catch up, then drains every stage. */
async function generateAndDrain(run: StartedRun, options: StartOptions, rawTopic: string, controls: RunControls): Promise<RunOutcome> {
  const { twin, shopTraffic } = run;
  const generatorStarted = Date.now();
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
        topic: rawTopic,
        ratePerSecond: options.rate,
        durationMs: options.durationSeconds === undefined ? undefined : options.durationSeconds * 1000,
        signal: controls.abort.signal,
        onProgress: (p) => {
          controls.ticker.produced = p.acknowledged;
        },
      })
    : await new Promise<undefined>((resolve) => controls.abort.signal.addEventListener('abort', () => resolve(undefined)));
  const generatorSeconds = (Date.now() - generatorStarted) / 1000;
  await shopTraffic?.stop();
  if (twin.cdc && !(await twin.cdc.shop.capture.caughtUp(DRAIN_TIMEOUT_MS)))
    process.stderr.write('\nwarning: the capture did not catch up with the shop database\n');
  const drained = await twin.drain(DRAIN_TIMEOUT_MS, controls.stopNow.signal);
  controls.ticker.finish();
  return { generated, generatorSeconds, drained };
}

/** Everything but the interrupt watch, which outlives the teardown. */
async function tearDown(run: StartedRun): Promise<void> {
  await run.shopTraffic?.stop();
  await run.retention?.stop();
  await run.dashboard.close();
  await run.twin.stop();
  run.address.release();
}
