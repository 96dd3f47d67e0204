/**
 * Zod schemas for single configuration settings. Each reads the value as cdk.json gives it or as
 * `cdk synth -c key=value` passes it (a string), and carries the one message that says what the
 * setting must be; the reader adds the key and the value given.
 */
import { z } from 'zod';
import type { Limit } from '../pipeline/pipeline-limits.js';

const fromCliNumber = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const fromCliBoolean = (v: unknown): unknown => (v === 'true' ? true : v === 'false' ? false : v);
const fromCliList = (v: unknown): unknown =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : v;

/** A whole number within bounds. */
export function integerSetting({ min, max }: Limit) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.preprocess(fromCliNumber, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
}

/** A number within bounds that is a multiple of `step`. */
export function stepSetting({ min, max }: Limit, step: number) {
  const error = `must be a multiple of ${step} from ${min} to ${max}`;
  return z.preprocess(fromCliNumber, z.number({ error }).multipleOf(step, { error }).min(min, { error }).max(max, { error }));
}

export function booleanSetting() {
  return z.preprocess(fromCliBoolean, z.boolean({ error: 'must be true or false' }));
}

export function oneOfSetting<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => `"${v}"`).join(', ')}` });
}

/** A string, matching `pattern` when given (`describe` says what it must be). */
export function stringSetting(pattern?: RegExp, describe = 'a string') {
  const error = `must be ${describe}`;
  const text = z.string({ error });
  return pattern ? text.regex(pattern, { error }) : text;
}

/** A non-empty JSON array of strings, or a comma-separated string. */
export function listSetting(item: RegExp, describe: string) {
  const error = `must be a non-empty list of ${describe}`;
  return z.preprocess(fromCliList, z.array(z.string({ error }).regex(item, { error }), { error }).min(1, { error }));
}
