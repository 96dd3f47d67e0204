/** Starts a benchmark worker process for one task and resolves with its result. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerResult } from '../model/bench-results.js';
import type { WorkerMessage, WorkerTask } from './worker-task.js';

const WORKER = fileURLToPath(new URL('../measure/bench-worker.ts', import.meta.url));

export class BenchWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchWorkerError';
  }
}

export interface WorkerOptions {
  /** The PostgreSQL server fresh databases are created on. */
  readonly databaseUrl: string;
  /** Kill the worker after this long. */
  readonly timeoutMs: number;
}

/** Runs `task` in a child process (TypeScript through tsx); rejects with the worker's one-line error. */
export function runWorker<R extends WorkerResult>(task: WorkerTask, options: WorkerOptions): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [JSON.stringify(task)], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TEST_DATABASE_URL: options.databaseUrl, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message: WorkerMessage<R> | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BenchWorkerError(`${task.label}: no result within ${Math.round(options.timeoutMs / 1000)} s; worker killed`));
    }, options.timeoutMs);
    child.on('message', (m) => {
      message = m as WorkerMessage<R>;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new BenchWorkerError(`${task.label}: cannot start the worker: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (message?.ok) resolve(message.result);
      else if (message) reject(new BenchWorkerError(`${task.label}: ${message.error}`));
      else reject(new BenchWorkerError(`${task.label}: worker exited (${signal ?? `code ${code}`}) without a result`));
    });
  });
}
