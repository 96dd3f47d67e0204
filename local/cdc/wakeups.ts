/** Wakes the capture's waiting loops early: new transactions, acknowledgements, a stop. */
export class Wakeups {
  private readonly wakers = new Set<() => void>();

  wake(): void {
    for (const w of this.wakers) w();
    this.wakers.clear();
  }

  /** Resolves after `ms`, or at the next wake(). */
  next(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakers.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
