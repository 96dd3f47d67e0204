/**
 * A benchmark worker: one measurement in a process of its own (a fresh broker, store and heap, and
 * a peak RSS of its own), started by run-bench.ts with the task as JSON. Progress goes to stderr;
 * the result goes to the parent over IPC.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';
import { definePipeline } from '../../src/pipeline/definition.js';
import { freshBenchStore } from '../harness/bench-stores.js';
import type { HandlersTask, ProfileTask, StoreTask, WorkerMessage, WorkerTask } from '../harness/worker-task.js';
import type { ProfileRunResult, WorkerResult } from '../model/bench-results.js';
import { measureIsolatedHandlers } from './handler-isolation.js';
import { runPipelineBench, runProfiledPipeline } from './pipeline-bench.js';
import { runRelayBench } from './relay-bench.js';
import { measureStoreCeiling } from './store-ceiling.js';

async function runStore(task: StoreTask, say: (line: string) => void): Promise<WorkerResult> {
  const store = await freshBenchStore(task.store);
  try {
    return await measureStoreCeiling({
      store,
      pipeline: definePipeline(),
      rows: task.rows,
      extraBatchSizes: task.extraBatchSizes,
      rounds: task.rounds,
      seed: task.seed,
      onProgress: say,
    });
  } finally {
    await store.dispose();
  }
}

async function runHandlers(task: HandlersTask, say: (line: string) => void): Promise<WorkerResult> {
  const store = await freshBenchStore(task.store);
  try {
    return await measureIsolatedHandlers({
      store,
      batchSizes: task.batchSizes,
      invocationsPerSize: task.invocationsPerSize,
      seed: task.seed,
      onProgress: say,
    });
  } finally {
    await store.dispose();
  }
}

/** The same V8 sampling profiler as `node --cpu-prof`, switched on around the measured window only. */
async function runProfile(task: ProfileTask, say: (line: string) => void): Promise<ProfileRunResult> {
  const session = new Session();
  session.connect();
  await runProfiledPipeline(
    task,
    async (run) => {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
      try {
        await run();
      } finally {
        const { profile } = await session.post('Profiler.stop');
        mkdirSync(dirname(task.profilePath), { recursive: true });
        writeFileSync(task.profilePath, JSON.stringify(profile));
      }
    },
    say,
  );
  session.disconnect();
  return { kind: 'profile', store: task.store, rate: task.rate, seconds: task.seconds, profilePath: task.profilePath };
}

function run(task: WorkerTask, say: (line: string) => void): Promise<WorkerResult> {
  switch (task.kind) {
    case 'relay':
      return runRelayBench(task, say);
    case 'pipeline':
      return runPipelineBench(task, say);
    case 'store':
      return runStore(task, say);
    case 'profile':
      return runProfile(task, say);
    case 'handlers':
      return runHandlers(task, say);
  }
}

const send = (message: WorkerMessage<WorkerResult>) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    }
  });

const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask;
const say = (line: string) => process.stderr.write(`  [${task.label}] ${line}\n`);
try {
  await send({ ok: true, result: await run(task, say) });
  process.exit(0);
} catch (error) {
  await send({ ok: false, error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
