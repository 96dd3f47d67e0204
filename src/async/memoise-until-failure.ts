/**
 * A promise made once and shared, unless it fails: a rejected attempt is forgotten, so the next
 * call tries again (a connection, a lookup, a cold start that a transient failure must not poison).
 */
export interface MemoisedAttempt<T> {
  /** The attempt in flight or succeeded; a new one when there is none. */
  get(): Promise<T>;
  /** The attempt in flight or succeeded, if any, without starting one. */
  readonly current: Promise<T> | undefined;
  /** Forgets the attempt: the next get() starts a new one. */
  reset(): void;
}

export function memoiseUntilFailure<T>(attempt: () => Promise<T>): MemoisedAttempt<T> {
  let current: Promise<T> | undefined;
  return {
    get() {
      if (current) return current;
      // new Promise: an attempt that throws before returning its promise fails like one that rejects.
      const started: Promise<T> = new Promise<T>((resolve) => resolve(attempt())).catch((error: unknown) => {
        if (current === started) current = undefined;
        throw error;
      });
      current = started;
      return started;
    },
    get current() {
      return current;
    },
    reset() {
      current = undefined;
    },
  };
}
