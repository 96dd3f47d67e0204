/** Errors of the named analytics: one base class, narrow subclasses that say what the caller got wrong. */

export class AnalyticsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AnalyticsError';
  }
}

/** A request parameter is missing, malformed or out of range; the message says what is allowed. */
export class QueryParameterError extends AnalyticsError {
  /** The parameter at fault, as named in the request. */
  readonly parameter: string;
  constructor(parameter: string, problem: string) {
    super(`parameter "${parameter}": ${problem}`);
    this.name = 'QueryParameterError';
    this.parameter = parameter;
  }
}

/** The request named a query that does not exist. */
export class UnknownQueryError extends AnalyticsError {
  readonly query: string;
  readonly known: readonly string[];
  constructor(query: string, known: readonly string[]) {
    super(`unknown query "${quoteForMessage(query)}"; known queries: ${known.join(', ')}`);
    this.name = 'UnknownQueryError';
    this.query = query;
    this.known = known;
  }
}

const MAX_ECHO = 60;

/** A caller's value as it may appear in a message: bounded in length, control characters removed. */
export function quoteForMessage(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > MAX_ECHO ? `${clean.slice(0, MAX_ECHO)}...` : clean;
}
