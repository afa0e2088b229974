import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { opsStrings } from '../strings.js';
import { HealthProbe, type HealthChecks } from './health.js';
import { statusPageCsp, statusPageHtml } from './statusPage.js';
import { normaliseStatus, type StatusDocument, type StatusSource } from './statusTypes.js';

/** Anything that renders Prometheus text: BotMetrics, a prom-client Registry, an aggregated shard registry. */
export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

export interface OpsServerOptions {
  /** METRICS_HOST; loopback unless the operator opens it on purpose. */
  host: string;
  /** METRICS_PORT; 0 picks a free port (tests), reported as `port`. */
  port: number;
  metrics: MetricsText;
  health: HealthChecks;
  statusSource: StatusSource;
  /** Status snapshots are reused this long, so many open pages cost one store read per interval. */
  statusCacheMs?: number;
  storePingTimeoutMs?: number;
  now?: () => number;
  logger?: Logger;
}

export interface OpsServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const STATUS_CACHE_MS = 5_000;
// The server only answers tiny GETs: slow or greedy clients are cut off rather than held.
const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;
const KEEP_ALIVE_MS = 5_000;
const MAX_CONNECTIONS = 32;
const MAX_HEADERS = 50;

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
const sendText = (res: ServerResponse, status: number, text: string) =>
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`);

/** Reuses one snapshot for `ttlMs` and shares a read in flight. */
function cachedStatus(source: StatusSource, ttlMs: number, now: () => number): () => Promise<StatusDocument> {
  let cached: { at: number; doc: StatusDocument } | undefined;
  let inFlight: Promise<StatusDocument> | undefined;
  return () => {
    if (cached && now() - cached.at < ttlMs) return Promise.resolve(cached.doc);
    inFlight ??= source()
      .then((snapshot) => {
        const at = now();
        cached = { at, doc: normaliseStatus(snapshot, at) };
        return cached.doc;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const now = options.now ?? Date.now;
  const probe = new HealthProbe(options.health, options.storePingTimeoutMs);
  const status = cachedStatus(options.statusSource, options.statusCacheMs ?? STATUS_CACHE_MS, now);

  const routes: Record<string, (res: ServerResponse) => Promise<void>> = {
    '/metrics': async (res) => send(res, 200, options.metrics.contentType, await options.metrics.text()),
    '/healthz': async (res) => {
      const result = await probe.check();
      sendText(res, result.healthy ? 200 : 503, result.healthy ? opsStrings.healthy : result.reason);
    },
    '/status.json': async (res) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(await status())),
    '/': async (res) =>
      send(res, 200, 'text/html; charset=utf-8', statusPageHtml, { 'content-security-policy': statusPageCsp }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume(); // no route reads a body; drain it so the socket can be reused
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendText(res, 405, opsStrings.methodNotAllowed);
    }
    const path = new URL(req.url ?? '/', 'http://ops.invalid').pathname;
    const route = routes[path];
    if (!route) return sendText(res, 404, opsStrings.notFound);
    try {
      await route(res);
    } catch (error) {
      options.logger?.error({ err: error, path }, 'ops request failed');
      if (!res.headersSent) sendText(res, 500, opsStrings.statusUnavailable);
      else res.destroy();
    }
  };

  const server = createServer(
    {
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_MS,
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => void handle(req, res),
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.maxHeadersCount = MAX_HEADERS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  options.logger?.info({ host: address.address, port: address.port }, 'ops server listening');

  return {
    host: address.address,
    port: address.port,
    url: `http://${hostForUrl}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets (a Prometheus scraper, an open page) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
