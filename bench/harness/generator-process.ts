/**
 * The benchmark's load generator in a child process (generator-worker.ts): the storefront generator
 * and its own Kafka producer, so generating and encoding the offered records shares neither the
 * event loop nor the CPU and memory accounting (peak RSS, events per CPU-second) of the system
 * measured (the twin or the relay).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KafkaConnection } from '../../src/kafka/kafka-client.js';
import type { LoadGenerator } from './load-probe.js';

const WORKER = fileURLToPath(new URL('./generator-worker.ts', import.meta.url));
const CLOSE_TIMEOUT_MS = 30_000;

export interface GeneratorSettings {
  readonly connection: KafkaConnection;
  readonly topic: string;
  readonly seed: number;
  /** Prefix of the generated event ids (createTrafficGenerator's runId). */
  readonly runId: string;
}

/** Parent to worker. */
export type GeneratorRequest = { op: 'run'; rate: number; durationMs: number } | { op: 'abort' } | { op: 'close' };

/** Worker to parent; `acknowledged` counts every record Kafka acknowledged since the process started. */
export type GeneratorReply =
  | { type: 'ready' }
  | { type: 'acknowledged'; total: number }
  | { type: 'done' }
  | { type: 'failed'; error: string };

export interface GeneratorProcess extends LoadGenerator {
  /** Closes the producer and ends the process. */
  close(): Promise<void>;
}

/** Starts the process (TypeScript through tsx, as bench workers are); resolves once its modules are loaded. */
export async function startGeneratorProcess(settings: GeneratorSettings): Promise<GeneratorProcess> {
  const child = fork(WORKER, [JSON.stringify(settings)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const client = new GeneratorClient(child);
  try {
    await client.next('ready');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return client;
}

class GeneratorClient implements GeneratorProcess {
  acknowledged = 0;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  /** The reply awaited (one at a time: ready, then done per run). */
  #waiting: { type: GeneratorReply['type']; resolve(): void; reject(error: Error): void } | undefined;
  #gone: Error | undefined;

  constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (reply: GeneratorReply) => {
      if (reply.type === 'acknowledged') this.acknowledged = reply.total;
      else if (reply.type === 'failed') this.#settle(new Error(reply.error));
      else if (reply.type === this.#waiting?.type) this.#settle();
    });
    child.on('error', (error) => this.#end(error));
    child.on('exit', (code, signal) => this.#end(new Error(`the generator process exited (${signal ?? `code ${code}`})`)));
  }

  next(type: GeneratorReply['type']): Promise<void> {
    if (this.#gone) return Promise.reject(this.#gone);
    return new Promise((resolve, reject) => {
      this.#waiting = { type, resolve, reject };
    });
  }

  async offer(rate: number, durationMs: number, signal: AbortSignal): Promise<void> {
    const done = this.next('done');
    this.#post({ op: 'run', rate, durationMs });
    const abort = () => this.#post({ op: 'abort' });
    signal.addEventListener('abort', abort, { once: true });
    try {
      await done;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  async close(): Promise<void> {
    // The process closes its producer and exits; killed if it has not within CLOSE_TIMEOUT_MS.
    if (!this.#gone) this.#post({ op: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
  }

  #post(request: GeneratorRequest): void {
    this.#child.send(request);
  }

  #settle(error?: Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (error) waiting?.reject(error);
    else waiting?.resolve();
  }

  #end(error: Error): void {
    this.#gone ??= error;
    this.#settle(this.#gone);
  }
}
