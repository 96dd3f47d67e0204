/**
 * The local twin's HTTP server (node:http, no framework): the named-query API at GET /query and
 * /query/{name}?params, the live dashboard page at GET /, its files at GET /assets/*, and the
 * twin's control API (twin-api.ts) at /api/* and POST /events.
 * Bounded: URL length, queries in flight, header and request timeouts. Failures answer with a
 * JSON message and never a stack trace; 5xx causes go to `onError` for the log.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { quoteForMessage } from '../../src/analytics/errors.js';
import { handleQueryRequest, type PipelineStatusSource, type QueryHttpResponse } from '../../src/analytics/index.js';
import type { SqlQueryable } from '../../src/store/sql-client.js';
import { type Asset, loadDashboardAssets } from './dashboard-assets.js';
import { DashboardPortError } from './errors.js';
import { paramsFromSearch } from './query-string-params.js';
import { handleTwinApiRequest, isTwinApiPath, type TwinApiContext } from './twin-api.js';

/** Port when none is given: fixed, so the URL is the same every run. */
export const DEFAULT_DASHBOARD_PORT = 8787;
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';

export const DASHBOARD_LIMITS = {
  /** Longest request target (path and query string) served. */
  maxUrlLength: 2_048,
  /** Distinct named queries running at once; more get 503 with Retry-After. */
  maxQueriesInFlight: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 128,
  /** How long close() lets requests in flight finish before cutting connections. */
  closeGraceMs: 2_000,
} as const;

export interface DashboardServerOptions {
  /** The analytics store the queries read. */
  store: SqlQueryable;
  /** Per-stage counts, DLQ reasons and lag for the `pipeline` query. */
  status?: PipelineStatusSource;
  /** 0 picks a free port. @default 8787 */
  port?: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** The running twin's control API (/api/*, POST /events); absent, those paths answer 404. */
  api?: TwinApiContext;
  /** Called with every 5xx cause, for the log (the client gets a request id only). */
  onError?: (error: unknown, info: { requestId: string; path: string }) => void;
}

export interface DashboardServer {
  /** Base URL, e.g. http://127.0.0.1:8787/ */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (bounded), closes every connection. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

// uPlot sizes its elements through the style attribute; scripts and data come from this origin only.
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Starts the server; resolves once it listens. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const port = options.port ?? DEFAULT_DASHBOARD_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new DashboardPortError(port, host, 'not a port number (0 to 65535)');
  const assets = await loadDashboardAssets();
  const loopbackOnly = LOOPBACK_HOSTS.has(host);
  const context: RequestContext = { options, assets, loopbackOnly, running: new Map() };
  const server = createServer((req, res) => {
    handleRequest(context, req, res).catch((error: unknown) => {
      const requestId = randomUUID();
      options.onError?.(error, { requestId, path: req.url ?? '' });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'the request failed', requestId });
      else res.destroy();
    });
  });
  server.headersTimeout = DASHBOARD_LIMITS.headersTimeoutMs;
  server.requestTimeout = DASHBOARD_LIMITS.requestTimeoutMs;
  server.keepAliveTimeout = DASHBOARD_LIMITS.keepAliveTimeoutMs;
  server.maxConnections = DASHBOARD_LIMITS.maxConnections;

  await listen(server, port, host);
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${actualPort}/`,
    port: actualPort,
    close() {
      closing ??= closeServer(server);
      return closing;
    },
  };
}

interface RequestContext {
  readonly options: DashboardServerOptions;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly loopbackOnly: boolean;
  /** Queries running, by method, path and query string. */
  readonly running: Map<string, Promise<QueryHttpResponse>>;
}

async function handleRequest(context: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { options, loopbackOnly } = context;
  const target = req.url ?? '/';
  if (target.length > DASHBOARD_LIMITS.maxUrlLength) {
    return sendJson(res, 414, {
      error: 'uri_too_long',
      message: `the request URL is longer than ${DASHBOARD_LIMITS.maxUrlLength} characters`,
    });
  }
  // A page on another site could reach a loopback server through DNS rebinding; its Host header gives it away.
  if (loopbackOnly && !LOOPBACK_HOSTS.has(hostName(req.headers.host))) {
    return sendJson(res, 403, {
      error: 'forbidden_host',
      message: 'this server answers requests addressed to 127.0.0.1 or localhost only',
    });
  }
  let url: URL;
  try {
    // Origin-form targets are read as paths: "//x" is a path here, not a host.
    url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
  } catch {
    return sendJson(res, 400, { error: 'bad_request', message: 'the request URL cannot be parsed' });
  }
  const method = req.method ?? 'GET';
  const { pathname } = url;

  if (pathname === '/query' || pathname.startsWith('/query/')) return answerQuery(context, res, url, method);
  if (options.api && isTwinApiPath(pathname)) {
    const { statusCode, headers, body } = await handleTwinApiRequest(req, pathname, options.api);
    return send(res, statusCode, headers, body, false);
  }
  return answerAsset(context, res, pathname, method);
}

async function answerQuery(context: RequestContext, res: ServerResponse, url: URL, method: string): Promise<void> {
  const { options, running } = context;
  const { pathname } = url;
  const parsed = paramsFromSearch(url.searchParams);
  if (!parsed.ok) {
    const name = quoteForMessage(parsed.parameter);
    return sendJson(res, 400, { error: 'bad_parameter', parameter: name, message: `parameter "${name}": given more than once` });
  }
  // The same question asked again while it runs (another tab, a retry after a client timeout) shares the one read.
  const key = `${method} ${pathname}${url.search}`;
  let answer = running.get(key);
  if (!answer) {
    if (running.size >= DASHBOARD_LIMITS.maxQueriesInFlight) {
      return sendJson(res, 503, { error: 'busy', message: 'too many queries running; retry shortly' }, { 'retry-after': '1' });
    }
    answer = handleQueryRequest(
      options.store,
      { method, path: pathname, query: parsed.params },
      { status: options.status, onError: (error, info) => options.onError?.(error, { requestId: info.requestId, path: pathname }) },
    ).finally(() => running.delete(key));
    running.set(key, answer);
  }
  const { statusCode, headers, body } = await answer;
  return send(res, statusCode, headers, body, method === 'HEAD');
}

function answerAsset(context: RequestContext, res: ServerResponse, pathname: string, method: string): void {
  const asset = context.assets.get(pathname);
  if (!asset) {
    sendJson(res, 404, {
      error: 'not_found',
      message: `nothing at ${quoteForMessage(pathname)}; the dashboard is at /, the query API at /query`,
    });
  } else if (method !== 'GET' && method !== 'HEAD') {
    sendJson(
      res,
      405,
      { error: 'method_not_allowed', message: `${quoteForMessage(method)} is not allowed; use GET` },
      { allow: 'GET, HEAD' },
    );
  } else sendAsset(res, asset, method === 'HEAD');
}

function hostName(header: string | undefined): string {
  if (!header) return '';
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(header);
  if (bracketed) return `[${bracketed[1]}]`;
  return header.replace(/:\d+$/, '').toLowerCase();
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const reason =
        error.code === 'EADDRINUSE'
          ? 'the port is in use'
          : error.code === 'EACCES'
            ? 'permission denied'
            : error.code === 'EADDRNOTAVAIL'
              ? 'no such address here'
              : error.message;
      reject(new DashboardPortError(port, host, reason, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), DASHBOARD_LIMITS.closeGraceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer, headOnly: boolean): void {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-length': String(payload.length) });
  res.end(headOnly ? undefined : payload);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(
    res,
    status,
    { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    JSON.stringify(body),
    false,
  );
}

function sendAsset(res: ServerResponse, asset: Asset, headOnly: boolean): void {
  const headers: Record<string, string> = { 'content-type': asset.contentType, 'cache-control': 'no-cache' };
  if (asset.contentType.startsWith('text/html')) headers['content-security-policy'] = PAGE_CSP;
  send(res, 200, headers, asset.body, headOnly);
}
