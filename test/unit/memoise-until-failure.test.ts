import { describe, expect, it } from 'vitest';
import { memoiseUntilFailure } from '../../src/async/memoise-until-failure.js';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('memoiseUntilFailure', () => {
  it('gives concurrent callers one shared attempt', async () => {
    const pending = deferred<string>();
    let attempts = 0;
    const memo = memoiseUntilFailure(() => {
      attempts++;
      return pending.promise;
    });

    const calls = [memo.get(), memo.get(), memo.get()];
    pending.resolve('connected');

    expect(await Promise.all(calls)).toEqual(['connected', 'connected', 'connected']);
    expect(attempts).toBe(1);
  });

  it('keeps a success: later calls get it without a new attempt', async () => {
    let attempts = 0;
    const memo = memoiseUntilFailure(async () => ++attempts);

    expect(await memo.get()).toBe(1);
    expect(await memo.get()).toBe(1);
    expect(attempts).toBe(1);
    expect(await memo.current).toBe(1);
  });

  it('forgets a failure, so the next call tries again; callers of the failed attempt all see its error', async () => {
    const first = deferred<string>();
    let attempts = 0;
    const memo = memoiseUntilFailure(() => (++attempts === 1 ? first.promise : Promise.resolve('second')));

    const calls = [memo.get(), memo.get()];
    first.reject(new Error('broker unreachable'));
    for (const call of calls) await expect(call).rejects.toThrow('broker unreachable');
    expect(memo.current).toBeUndefined();

    expect(await memo.get()).toBe('second');
    expect(attempts).toBe(2);
  });

  it('treats an attempt that throws at once as a failure', async () => {
    let attempts = 0;
    const memo = memoiseUntilFailure<string>(() => {
      if (++attempts === 1) throw new Error('no brokers');
      return Promise.resolve('ok');
    });

    await expect(memo.get()).rejects.toThrow('no brokers');
    expect(await memo.get()).toBe('ok');
  });

  it('starts afresh after reset; the old attempt failing late does not forget the new one', async () => {
    const first = deferred<string>();
    let attempts = 0;
    const memo = memoiseUntilFailure(() => (++attempts === 1 ? first.promise : Promise.resolve('second')));

    const old = memo.get();
    memo.reset();
    const next = memo.get();
    expect(await next).toBe('second');
    first.reject(new Error('late'));

    await expect(old).rejects.toThrow('late');
    expect(memo.current).toBe(next);
    expect(attempts).toBe(2);
  });
});
