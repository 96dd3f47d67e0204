/**
 * Request parameters: zod schemas for the kinds of value a named query takes, and the one parse
 * that turns any failure into a QueryParameterError naming the parameter and what is allowed.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { QueryParameterError, quoteForMessage } from './errors.js';

/** Parameters as they arrive: from a query string, a CLI, or code. */
export type RawParams = Readonly<Record<string, string | undefined>>;

/** Parameters after validation, with defaults filled in, as echoed in a result. */
export type NormalisedParams = Record<string, string | number>;

function got(input: unknown): string {
  return typeof input === 'string' ? ` (got "${quoteForMessage(input)}")` : '';
}

/** One of a fixed list of names. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}${got(issue.input)}` });
}

/** A whole number in [min, max]. */
export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, { error: (issue) => `must be a whole number from ${min} to ${max}${got(issue.input)}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: (issue) => `must be a whole number from ${min} to ${max} (got ${String(issue.input)})` });
}

/** A duration such as 30s, 15m, 1h, 7d, in milliseconds. */
export function duration() {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration: a whole number and s, m, h or d, e.g. 15m${got(text)}` });
      return z.NEVER;
    }
    return ms;
  });
}

const INSTANT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Epoch ms of an ISO 8601 time with a zone; NaN for anything else, including 2025-02-30 or 24:00. */
function parseInstant(text: string): number {
  const match = INSTANT_PATTERN.exec(text);
  if (!match) return Number.NaN;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map((part) => Number(part ?? 0)) as number[];
  const calendar = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
  const exists =
    calendar.getUTCFullYear() === y &&
    calendar.getUTCMonth() === (mo as number) - 1 &&
    calendar.getUTCDate() === d &&
    calendar.getUTCHours() === h &&
    calendar.getUTCMinutes() === mi &&
    calendar.getUTCSeconds() === s;
  return exists ? Date.parse(text) : Number.NaN;
}

/** An ISO 8601 time with its zone, e.g. 2025-03-01T12:00:00Z. */
export function instant() {
  return z.string().transform((text, ctx) => {
    const ms = parseInstant(text);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 time with a zone, e.g. 2025-03-01T12:00:00Z${got(text)}` });
      return z.NEVER;
    }
    return new Date(ms);
  });
}

/** Validates raw parameters against a shape of optional fields; unknown parameters are refused. */
export function parseParams<Shape extends z.ZodRawShape>(queryName: string, shape: Shape, raw: RawParams): z.output<z.ZodObject<Shape>> {
  const given: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) given[key] = value;
  }
  const result = z.strictObject(shape).safeParse(given);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const unknown = issue.keys[0] ?? '?';
    throw new QueryParameterError(quoteForMessage(unknown), `not a parameter of ${queryName}; allowed: ${Object.keys(shape).join(', ')}`);
  }
  const parameter = issue?.path[0];
  throw new QueryParameterError(typeof parameter === 'string' ? parameter : '?', issue?.message ?? 'is not valid');
}
