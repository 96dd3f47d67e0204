/**
 * `--from` / `--to` of `query` and `replay`: an ISO 8601 time with its zone, or a UTC date. A date
 * alone means the start of that day for --from and the end of that day for --to, so
 * `--from 2026-11-01 --to 2026-11-30` is the whole of November.
 */
import { CliUsageError } from '../cli-error.js';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function parseRangeTime(flag: '--from' | '--to', text: string): Date {
  const date = DATE_ONLY.exec(text);
  if (date) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    if (new Date(ms).toISOString().slice(0, 10) !== text) throw new CliUsageError(`${flag} ${text} is not a calendar date`);
    return new Date(flag === '--to' ? ms + DAY_MS : ms);
  }
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.includes('T');
  const ms = Date.parse(text);
  if (!hasZone || Number.isNaN(ms)) {
    throw new CliUsageError(`${flag} must be a date (2026-11-01) or an ISO 8601 time with a zone (2026-11-01T12:00:00Z), got "${text}"`);
  }
  return new Date(ms);
}
