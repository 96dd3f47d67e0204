/**
 * kafkajs 2.2.4's request queue schedules its next check at `throttledUntil - Date.now()` even when
 * nothing is pending and no throttle is in force; `throttledUntil` starts at -1, so the delay is
 * about minus the current epoch. Node up to 22 silently ran such a timer after 1 ms; Node 24 (the
 * Lambda runtime the stack deploys) also prints `TimeoutNegativeWarning` from every producer and
 * consumer. The replacement schedules the same checks with the delay Node used, never below 1 ms.
 */
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { compactSource, KafkajsPatchError } from './kafkajs-patch-error.js';

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL: how soon a queue with pending requests looks again. */
const CHECK_PENDING_REQUESTS_MS = 10;
/** What Node makes of a delay below 1 ms. */
const MIN_DELAY_MS = 1;

const PATCHED = Symbol.for('tributary.kafkajs.requestQueueTimer');

type Queue = InstanceType<typeof RequestQueue>;

/** The delay before the queue's next check, as kafkajs computes it, clamped to what Node accepts. */
export function nextCheckDelay(queue: Pick<Queue, 'pending' | 'throttledUntil'>, now: number): number {
  const untilThrottleEnds = queue.throttledUntil - now;
  if (queue.pending.length > 0 && untilThrottleEnds <= 0) return CHECK_PENDING_REQUESTS_MS;
  return Math.max(MIN_DELAY_MS, untilThrottleEnds);
}

function scheduleCheckPendingRequests(this: Queue): void {
  // A check already scheduled stays: it reschedules itself if the throttle moved (as in kafkajs).
  if (this.throttleCheckTimeoutId) return;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    nextCheckDelay(this, Date.now()),
  );
}

export function installRequestQueueTimer(): void {
  const proto = RequestQueue.prototype as Queue & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  const original = compactSource(proto.scheduleCheckPendingRequests);
  if (!original.includes('this.throttledUntil-Date.now()') || !original.includes('setTimeout(')) {
    throw new KafkajsPatchError('kafkajs RequestQueue.scheduleCheckPendingRequests() is not the one the timer patch replaces');
  }
  if (!compactSource(proto.checkPendingRequests).includes('this.scheduleCheckPendingRequests()')) {
    throw new KafkajsPatchError('kafkajs RequestQueue.checkPendingRequests() no longer schedules through scheduleCheckPendingRequests()');
  }
  proto.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  proto[PATCHED] = true;
}
