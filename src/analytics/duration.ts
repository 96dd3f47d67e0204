/** Durations as written in query parameters: a positive whole number and a unit, e.g. 30s, 15m, 1h, 7d. */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION_PATTERN = /^([1-9]\d{0,6})(s|m|h|d)$/;

/** Milliseconds of a duration like "15m", or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

/** The shortest spelling of a whole-second duration: 90000 -> "90s", 3600000 -> "1h". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1_000)}s`;
}
