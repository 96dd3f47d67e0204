/**
 * Durations: a number and a unit (s, m, h or d), e.g. 30s, 15m, 1h, 7d. Query parameters and
 * retention settings take whole numbers with a unit; command-line flags such as `--duration` also
 * take fractions ("1.5h") and bare seconds ("90").
 */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)([smhd])?$/;
const WHOLE_AMOUNT = /^[1-9]\d{0,6}$/;

export interface DurationGrammar {
  /** Also take fractions, bare seconds and surrounding spaces, as command-line flags do. */
  readonly lenient?: boolean;
}

/** Milliseconds of a duration like "15m", or undefined when it is not one (whole amounts start at 1; lenient ones may be 0). */
export function parseDuration(text: string, { lenient = false }: DurationGrammar = {}): number | undefined {
  const match = DURATION_PATTERN.exec(lenient ? text.trim() : text);
  if (!match) return undefined;
  const [, amount = '', unit] = match;
  if (!lenient && (unit === undefined || !WHOLE_AMOUNT.test(amount))) return undefined;
  return Number(amount) * UNIT_MS[(unit ?? 's') as Unit];
}

/** The shortest spelling of a whole-second duration: 90000 -> "90s", 3600000 -> "1h". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1_000)}s`;
}
