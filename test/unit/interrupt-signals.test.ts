/** One Ctrl-C in a terminal arrives as several SIGINTs within milliseconds: they count as one; a later one is the second. */
import { afterEach, describe, expect, it } from 'vitest';
import { type InterruptWatch, watchInterrupts } from '../../local/twin/interrupt-signals.js';

describe('watchInterrupts', () => {
  let watch: InterruptWatch | undefined;
  afterEach(() => watch?.dispose());

  it('takes echoes of the first interrupt as the same key press, and a later one as the second', () => {
    let clock = 0;
    const seen: string[] = [];
    watch = watchInterrupts(
      { onFirst: () => seen.push('first'), onSecond: () => seen.push('second') },
      { signals: ['SIGUSR2'], echoMs: 1000, now: () => clock },
    );
    process.emit('SIGUSR2', 'SIGUSR2');
    clock = 5;
    process.emit('SIGUSR2', 'SIGUSR2'); // npm's forwarded copy
    clock = 40;
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(seen).toEqual(['first']);
    clock = 1500;
    process.emit('SIGUSR2', 'SIGUSR2');
    clock = 1600;
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(seen).toEqual(['first', 'second']);
  });

  it('stops listening when disposed', () => {
    const before = process.listenerCount('SIGUSR2');
    const w = watchInterrupts({ onFirst: () => {}, onSecond: () => {} }, { signals: ['SIGUSR2'] });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    w.dispose();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
