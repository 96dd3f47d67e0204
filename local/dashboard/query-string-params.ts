/** Query-string parameters as the named queries take them: one value per name. */
import type { RawParams } from '../../src/analytics/index.js';

export type ParamsOutcome = { ok: true; params: RawParams } | { ok: false; parameter: string };

/** The parameters of a URL, or the first name given more than once (a request the caller must fix). */
export function paramsFromSearch(search: URLSearchParams): ParamsOutcome {
  // No prototype: a parameter named __proto__ stays a parameter (and is refused as unknown).
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of search) {
    if (Object.hasOwn(params, name)) return { ok: false, parameter: name };
    params[name] = value;
  }
  return { ok: true, params };
}
