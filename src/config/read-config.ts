/**
 * Reads the configuration of one environment from CDK context and validates all of it before any
 * resource is built. Every problem is reported at once, each naming its context key.
 */
import type { z } from 'zod';
import { combinationProblems, type Problem } from './config-rules.js';
import { CONFIG_KEYS, CONFIG_SECTIONS, DEFAULT_CONFIG, type TributaryConfig, tributaryConfigSchema } from './tributary-config.js';

export class TributaryConfigError extends Error {
  readonly problems: readonly string[];
  constructor(environment: string, problems: readonly string[]) {
    super(`invalid configuration for environment "${environment}": ${problems.join('; ')}`);
    this.name = 'TributaryConfigError';
    this.problems = problems;
  }
}

/** Context key holding per-environment blocks: `{"environments": {"prod": {"kafka": {...}}}}`. */
export const ENVIRONMENTS_KEY = 'environments';

const KNOWN_KEYS = new Set<string>(CONFIG_KEYS);
const SECTIONS = new Set<string>(CONFIG_SECTIONS);
const isOurs = (key: string): boolean => KNOWN_KEYS.has(key) || SECTIONS.has(key.split('.')[0] ?? '');
const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Flattens nested objects into dotted keys; arrays and scalars are values. */
function flatten(value: Record<string, unknown>, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isRecord(v)) {
      for (const [k, inner] of flatten(v, path)) out.set(k, inner);
    } else {
      out.set(path, v);
    }
  }
  return out;
}

/** The settings of the environment's block, then single keys on top, and the problems of the blocks. */
function mergeSettings(context: Record<string, unknown>, environment: string, direct: ReadonlyMap<string, unknown>) {
  const merged = new Map<string, unknown>();
  const problems: string[] = [];
  const blocks = context[ENVIRONMENTS_KEY];
  const block = isRecord(blocks) ? blocks[environment] : undefined;
  if (blocks !== undefined && !isRecord(blocks)) {
    problems.push(`${ENVIRONMENTS_KEY} must be an object of environment blocks, got ${show(blocks)}`);
  } else if (block !== undefined && !isRecord(block)) {
    problems.push(`${ENVIRONMENTS_KEY}.${environment} must be an object, got ${show(block)}`);
  } else if (block !== undefined) {
    for (const [k, v] of flatten(block)) {
      if (k === 'environment') problems.push(`${ENVIRONMENTS_KEY}.${environment} must not set "environment"`);
      else merged.set(k, v);
    }
  }
  for (const [k, v] of direct) merged.set(k, v);
  for (const key of merged.keys()) {
    if (!KNOWN_KEYS.has(key)) problems.push(`${key} is not a setting (known: ${CONFIG_KEYS.join(', ')})`);
  }
  return { merged, problems };
}

/** Nests the known dotted keys back into the sections the schema reads. */
function nest(settings: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown> = {};
  for (const [key, value] of settings) {
    if (!KNOWN_KEYS.has(key)) continue;
    const [section, setting] = key.split('.') as [string, string | undefined];
    if (setting === undefined) out[section] = value;
    else out[section] = { ...(out[section] as Record<string, unknown> | undefined), [setting]: value };
  }
  return out;
}

/** One problem per key: the setting's key, what it must be, and the value given. */
function settingProblems(issues: readonly z.core.$ZodIssue[], settings: ReadonlyMap<string, unknown>): string[] {
  const problems = new Map<string, string>();
  for (const issue of issues) {
    const path = issue.path.map(String);
    while (path.length > 1 && !KNOWN_KEYS.has(path.join('.'))) path.pop();
    const key = path.join('.');
    if (!problems.has(key)) problems.set(key, `${key} ${issue.message}, got ${show(settings.get(key))}`);
  }
  return [...problems.values()];
}

/** Reads and validates the configuration from the whole CDK context (`app.node.getAllContext()`). */
export function readConfig(context: Record<string, unknown>): TributaryConfig {
  const direct = flatten(Object.fromEntries(Object.entries(context).filter(([k]) => k !== ENVIRONMENTS_KEY && isOurs(k))));
  const environmentValue = direct.get('environment');
  const environment = environmentValue === undefined ? DEFAULT_CONFIG.environment : String(environmentValue);
  const { merged, problems } = mergeSettings(context, environment, direct);
  const parsed = tributaryConfigSchema.safeParse(nest(merged));
  if (!parsed.success) throw new TributaryConfigError(environment, [...problems, ...settingProblems(parsed.error.issues, merged)]);
  const isSet = (key: string): boolean => merged.get(key) !== undefined;
  problems.push(...combinationProblems(parsed.data, isSet).map(([key, message]: Problem) => `${key} ${message}`));
  if (problems.length > 0) throw new TributaryConfigError(environment, problems);
  return parsed.data;
}
