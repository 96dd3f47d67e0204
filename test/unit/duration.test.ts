/** The one duration grammar: whole amounts with a unit for queries and retention, and the lenient form of command-line flags. */
import { describe, expect, it } from 'vitest';
import { parseStartOptions } from '../../local/commands/start-options.js';
import { formatDuration, parseDuration } from '../../src/analytics/duration.js';

describe('parseDuration', () => {
  it('reads whole amounts with a unit, in milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    for (const text of ['15', '0m', '05m', '1.5h', '', '15 m', ' 15m', '15x', '-5m', '12345678s'])
      expect(parseDuration(text)).toBeUndefined();
  });

  it('leniently also reads fractions, bare seconds and spaces around', () => {
    expect(parseDuration('90', { lenient: true })).toBe(90_000);
    expect(parseDuration('1.5h', { lenient: true })).toBe(5_400_000);
    expect(parseDuration(' 5m ', { lenient: true })).toBe(300_000);
    expect(parseDuration('0', { lenient: true })).toBe(0);
    for (const text of ['15 m', '1h30m', '-5', 'x']) expect(parseDuration(text, { lenient: true })).toBeUndefined();
  });

  it('formats the shortest spelling', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(3_600_000)).toBe('1h');
  });
});

describe('tributary start durations', () => {
  it('takes seconds, fractions and units for --duration and --retention', () => {
    expect(parseStartOptions({ duration: '90' }).durationSeconds).toBe(90);
    expect(parseStartOptions({ duration: '1.5m' }).durationSeconds).toBe(90);
    expect(parseStartOptions({ retention: '7d' }).retentionSeconds).toBe(604_800);
    expect(parseStartOptions({ retention: 'off' }).retentionSeconds).toBeUndefined();
    expect(() => parseStartOptions({ duration: '0' })).toThrow('--duration must be more than 0');
    expect(() => parseStartOptions({ retention: 'soon' })).toThrow('--retention must look like 60, 60s, 5m, 1h or 7d, got "soon"');
  });

  it('bounds --partitions by what the local twin runs', () => {
    expect(parseStartOptions({}).partitions).toBe(6);
    expect(() => parseStartOptions({ partitions: '65' })).toThrow('--partitions must be an integer from 1 to 64, got "65"');
  });
});
