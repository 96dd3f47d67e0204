/** The CLI's side of the running twin's HTTP API (twin-api.ts and the named-query API). */
import { CliUsageError } from '../cli-error.js';

/** The twin answered with an error status; message is its own words. */
export class TwinApiError extends CliUsageError {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TwinApiError';
  }
}

/** The twin could not be reached at all. */
export class TwinUnreachableError extends CliUsageError {
  constructor(url: string, options: { cause: unknown }) {
    super(`the local twin at ${url} does not answer (${options.cause instanceof Error ? options.cause.message : String(options.cause)})`);
    this.name = 'TwinUnreachableError';
    this.cause = options.cause;
  }
}

const TIMEOUT_MS = 60_000;

export class TwinApiClient {
  /** baseUrl: the twin's URL, e.g. http://127.0.0.1:8787/ */
  constructor(readonly baseUrl: string) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>(path, { method: 'GET' });
  }

  post<T>(path: string, body: unknown, timeoutMs = TIMEOUT_MS): Promise<T> {
    return this.call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, timeoutMs);
  }

  private async call<T>(path: string, init: RequestInit, timeoutMs = TIMEOUT_MS): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new TwinUnreachableError(this.baseUrl, { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TwinApiError(response.status, `the local twin answered ${response.status} with something that is not JSON`);
    }
    if (!response.ok) {
      const message = (body as { message?: unknown }).message;
      throw new TwinApiError(response.status, typeof message === 'string' ? message : `the local twin answered ${response.status}`);
    }
    return body as T;
  }
}
