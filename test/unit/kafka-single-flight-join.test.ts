import { describe, expect, it } from 'vitest';
import { singleFlight } from '../../local/kafka/single-flight-join.js';

/** A group whose join resolves when the test says so, counting how often it really started. */
class FakeGroup {
  started = 0;
  private finish: Array<(error?: Error) => void> = [];
  readonly joinAndSync = singleFlight<FakeGroup>(function (this: FakeGroup) {
    this.started++;
    return new Promise<void>((resolve, reject) => this.finish.push((error) => (error ? reject(error) : resolve())));
  });
  settle(error?: Error): void {
    for (const f of this.finish.splice(0)) f(error);
  }
}

describe('singleFlight (one kafkajs group join at a time)', () => {
  it('shares a join in flight between callers, and starts a new one once it has settled', async () => {
    const group = new FakeGroup();
    const first = group.joinAndSync();
    const second = group.joinAndSync();
    expect(second).toBe(first);
    expect(group.started).toBe(1);
    group.settle();
    await Promise.all([first, second]);
    const third = group.joinAndSync();
    expect(third).not.toBe(first);
    expect(group.started).toBe(2);
    group.settle();
    await third;
  });

  it('passes a failed join to every caller that shared it, then lets the next call try again', async () => {
    const group = new FakeGroup();
    const calls = [group.joinAndSync(), group.joinAndSync()];
    group.settle(new Error('The group is rebalancing'));
    for (const call of calls) await expect(call).rejects.toThrow('The group is rebalancing');
    const retry = group.joinAndSync();
    expect(group.started).toBe(2);
    group.settle();
    await expect(retry).resolves.toBeUndefined();
  });

  it('keeps the joins of different groups apart', () => {
    const a = new FakeGroup();
    const b = new FakeGroup();
    expect(a.joinAndSync()).not.toBe(b.joinAndSync());
    expect([a.started, b.started]).toEqual([1, 1]);
  });
});
