/**
 * Waits until every stage's group has committed the end of its input and no invocation is running,
 * twice in a row. Reads the commits from Kafka, so it holds whichever emulator instances are alive
 * (a stage restarted or scaled out during a fault included).
 */
import type { Kafka } from 'kafkajs';
import type { EventSourceMapping } from '../../local/esm/event-source-mapping.js';
import { type PipelineDefinition, STAGE_NAMES } from '../../src/pipeline/definition.js';
import { readStageCommits } from './committed-offsets.js';

export interface DrainOptions {
  readonly kafka: Kafka;
  readonly pipeline: PipelineDefinition;
  /** The running instances whose in-flight invocations must finish. */
  readonly mappings: () => Iterable<EventSourceMapping>;
  readonly timeoutMs: number;
  /** Between checks. @default 250 */
  readonly pollMs?: number;
}

/** Resolves true once drained, false when the timeout passes first. */
export async function waitForDrain(options: DrainOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  const admin = options.kafka.admin();
  let connected = false;
  let quietRounds = 0;
  try {
    while (Date.now() < deadline) {
      let idle = false;
      try {
        if (!connected) {
          await admin.connect();
          connected = true;
        }
        const commits = await readStageCommits(admin, options.pipeline);
        const committedAll = STAGE_NAMES.every((s) =>
          commits[s].every((c) => c.committed === c.end || (c.committed === -1 && c.end === c.start)),
        );
        idle = committedAll && [...options.mappings()].every((m) => m.stats().inFlight === 0);
      } catch {
        // The cluster may be refusing requests mid-fault: not drained yet.
        idle = false;
      }
      quietRounds = idle ? quietRounds + 1 : 0;
      if (quietRounds >= 2) return true;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    }
    return false;
  } finally {
    if (connected) await admin.disconnect().catch(() => {});
  }
}
