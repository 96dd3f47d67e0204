import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { installSingleFlightJoin, PATCHED_MODULE, singleFlight } from '../../local/kafka/single-flight-join.js';
import { PATCHED_KAFKAJS_VERSION } from '../../src/kafka/kafkajs-version.js';

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

describe('the kafkajs the patch was written for', () => {
  const require = createRequire(import.meta.url);

  it('is pinned exactly in package.json and installed', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies.kafkajs).toBe(PATCHED_KAFKAJS_VERSION);
    expect((require('kafkajs/package.json') as { version: string }).version).toBe(PATCHED_KAFKAJS_VERSION);
  });

  it('still has the internals the patch replaces: ConsumerGroup.prototype.joinAndSync, called by the runner and the fetchers', () => {
    const ConsumerGroup = require(PATCHED_MODULE) as { prototype: Record<string, unknown> };
    expect(typeof ConsumerGroup.prototype.joinAndSync).toBe('function');
    // The callers that made joins overlap: if they stop calling joinAndSync, the patch guards nothing.
    const source = (m: string) => readFileSync(require.resolve(m), 'utf8');
    expect(source('kafkajs/src/consumer/runner.js')).toContain('await this.consumerGroup.joinAndSync()');
    expect(source(PATCHED_MODULE)).toContain('await this.joinAndSync()');
  });

  it('installs on the real ConsumerGroup once, however often it is called', () => {
    const proto = (require(PATCHED_MODULE) as { prototype: { joinAndSync: unknown } }).prototype;
    const original = proto.joinAndSync;
    installSingleFlightJoin();
    const patched = proto.joinAndSync;
    installSingleFlightJoin();
    expect(proto.joinAndSync).toBe(patched);
    // Either this call patched it, or an earlier one in this process did: never the bare method twice.
    expect(patched === original ? (proto as Record<symbol, unknown>)[Symbol.for('tributary.singleFlightJoin')] : true).toBe(true);
  });
});
