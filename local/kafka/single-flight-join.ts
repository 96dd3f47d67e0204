/**
 * One group join at a time per kafkajs consumer.
 *
 * kafkajs 2.2.4 fetches from every broker concurrently, and each fetcher that meets stale metadata
 * (a partition's leader moved) calls `joinAndSync()` on the shared consumer group. Two joins of one
 * member then chase each other: the second JoinGroup reaches the coordinator while the first join is
 * syncing, which starts a new rebalance and fails that sync; the failed side joins again, and so on.
 * librdkafka's mock cluster waits session timeout - 1 s before each election, so a group could stall
 * for minutes (seen as "Syncing -> Joining" of a lone member after every leader move). Callers that
 * ask for a join while one is running share it: the member ends in the newest generation either way.
 */
import { createRequire } from 'node:module';
import { assertPatchedKafkajsVersion, KafkajsPatchError } from '../../src/kafka/kafkajs-patch-error.js';

type Join<T> = (this: T) => Promise<void>;

/** Wraps a method so that calls on one object while a call is running share that call's promise. */
export function singleFlight<T extends object>(method: Join<T>): Join<T> {
  const running = new WeakMap<T, Promise<void>>();
  return function shared(this: T): Promise<void> {
    const current = running.get(this);
    if (current) return current;
    const call = method.call(this).finally(() => running.delete(this));
    running.set(this, call);
    return call;
  };
}

/** The module and method patched. */
export const PATCHED_MODULE = 'kafkajs/src/consumer/consumerGroup.js';

const PATCHED = Symbol.for('tributary.singleFlightJoin');

interface ConsumerGroupPrototype {
  joinAndSync: Join<object>;
  [PATCHED]?: true;
}

/**
 * Makes kafkajs's ConsumerGroup share a join in flight, for every consumer in the process; idempotent.
 * Installed by the twin's Kafka factory (twin-kafka.ts) only, never as an import side effect.
 * Refuses any kafkajs but the pinned one: its internals may have moved.
 */
export function installSingleFlightJoin(): void {
  assertPatchedKafkajsVersion();
  const ConsumerGroup = createRequire(import.meta.url)(PATCHED_MODULE) as { prototype: ConsumerGroupPrototype };
  const proto = ConsumerGroup.prototype;
  if (proto[PATCHED]) return;
  if (typeof proto.joinAndSync !== 'function') throw new KafkajsPatchError('kafkajs ConsumerGroup has no joinAndSync()');
  proto.joinAndSync = singleFlight(proto.joinAndSync);
  proto[PATCHED] = true;
}
