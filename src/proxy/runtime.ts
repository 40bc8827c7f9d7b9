/**
 * `startProxy` (contract in start.ts): builds the parts, binds the listeners, routes requests.
 *
 * Agent listener: extra routes, `/servers/{id}/mcp`, `/servers/{id}/sse`, `/servers/{id}/message`,
 * `/tools/invoke`, `/health`, `/ready`. Admin listener: the admin API, `/health`, `/ready`,
 * `/metrics`. One listener serves all when the ports are equal (`dev`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { handleAdmin } from './admin/routes.ts';
import { awaitFirstDiscovery } from './admin/gateway-admission.ts';
import { Catalog, type CatalogChange } from './catalog/catalog.ts';
import type { ProxyContext } from './context.ts';
import { ProxyError } from './errors.ts';
import { decodePathSegment, requestUrl, sendError, sendJson } from './http/io.ts';
import { adminGuard, AgentAuthenticator } from './mcp/agent-auth.ts';
import { CatalogRequests } from './mcp/catalog-requests.ts';
import { ListPages } from './mcp/list-pages.ts';
import { ResourceSubscriptions } from './mcp/resource-subscriptions.ts';
import { ToolCalls } from './mcp/tool-call.ts';
import { handleInvoke } from './mcp/invoke.ts';
import { ListAnnouncer } from './mcp/list-changed.ts';
import { DEFAULT_ALLOWED_ORIGINS, originGuard } from './mcp/origin.ts';
import { defaultAllowedHosts, hostGuard } from './mcp/host-guard.ts';
import { sendMcpHttpError } from './mcp/http-error.ts';
import { AgentSessionIds } from './mcp/session-id.ts';
import { SessionTable } from './mcp/sessions.ts';
import { handleSseMessage, handleSseStream } from './mcp/sse.ts';
import { handleStreamableHttp } from './mcp/streamable.ts';
import { Audit } from './observe/audit.ts';
import { ProxyMetrics } from './observe/metrics.ts';
import { RegistrationStore } from './registry/store.ts';
import type { ExtraRoute } from './http/extra-route.ts';
import type { ProxyHandle, ProxyOptions } from './options.ts';
import { staticCredentials } from './upstream/credentials.ts';
import { UpstreamPool } from './upstream/pool.ts';
import { SessionSealer } from './session-seal/sealer.ts';

const SERVER_ROUTE = /^\/(?:v1\/)?servers\/([^/]+)\/(mcp|sse|message)$/;

/**
 * The proxy's parts wired together (the composition root): the registry, the upstream pool, the
 * catalog over it, agent sessions, auth and guards. Nothing listens yet.
 */
function createContext(options: ProxyOptions): ProxyContext {
  const logger = options.logger ?? pino({ name: 'mcp-gitops-proxy' }, pino.destination({ sync: false }));
  const metrics = new ProxyMetrics();
  const credentials = options.credentials ?? staticCredentials;
  const store = new RegistrationStore();
  const sealer = options.sessionKeys?.length ? new SessionSealer(options.sessionKeys) : SessionSealer.ephemeral();
  const sessions = new SessionTable({
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
    ...(options.maxSessionsPerUser === undefined ? {} : { maxSessionsPerUser: options.maxSessionsPerUser }),
    ...(options.sessionIdleMs === undefined ? {} : { idleMs: options.sessionIdleMs }),
    ...(options.sessionShedMs === undefined ? {} : { shedAfterMs: options.sessionShedMs }),
    onCountChanged: (transport, delta) => metrics.agentSessions.inc({ transport }, delta),
  });
  // The pool reports changes before the catalog (which reads the pool) exists: announce lazily.
  let announcer: ListAnnouncer | undefined;
  const registrationsChanged = (change?: CatalogChange): void => announcer?.changed(change);
  const resourceSubscriptions = new ResourceSubscriptions();
  const pool = new UpstreamPool({
    credentials,
    logger,
    onCatalogChanged: (gatewayId) => registrationsChanged({ gateways: [gatewayId] }),
    onResourceUpdated: (_gatewayId, session, uri) => resourceSubscriptions.updated(session, uri),
    onReachabilityChanged: (g, up) => metrics.upstreamUp.set({ gateway: g.spec.name }, up ? 1 : 0),
    onGatewayRemoved: (g) => metrics.upstreamUp.remove({ gateway: g.spec.name }),
    ...(options.upstreamUrlPolicy ? { urlPolicy: options.upstreamUrlPolicy } : {}),
    ...(options.upstreamCallTimeoutMs === undefined ? {} : { callTimeoutMs: options.upstreamCallTimeoutMs }),
  });
  const catalog = new Catalog(() => pool.catalogView());
  announcer = new ListAnnouncer(store, catalog, sessions);
  const wwwAuthenticate = options.wwwAuthenticate ?? (() => 'Bearer realm="mcp-gitops"');
  const agentAuth = new AgentAuthenticator(options.agentAuth, options.adminToken, wwwAuthenticate);
  if (agentAuth.insecure) logger.warn({ insecureNoAgentAuth: true }, 'AGENT AUTHENTICATION IS DISABLED: anyone who can reach this proxy can call every tool as user "anonymous". Use only for local development.');
  const audit = new Audit(logger, metrics);
  const toolCalls = new ToolCalls({ store, catalog, pool, audit, logger });
  return {
    store,
    pool,
    catalog,
    toolCalls,
    catalogRequests: new CatalogRequests({ toolCalls, catalog, pool, audit, logger }),
    listPages: new ListPages(sealer, options.listPageSize),
    resourceSubscriptions,
    sessions,
    sessionIds: new AgentSessionIds(sealer, options.sessionMaxAgeMs === undefined ? {} : { maxAgeMs: options.sessionMaxAgeMs }),
    agentAuth,
    credentials,
    logger,
    metrics,
    checkAdmin: adminGuard(options.adminToken),
    checkOrigin: originGuard(options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS),
    checkHost: hostGuard(options.allowedHosts ?? defaultAllowedHosts(options.host ?? '127.0.0.1', options.publicUrl)),
    requireSync: options.requireSync ?? false,
    upstreamUrlPolicy: options.upstreamUrlPolicy,
    adminIdentity: options.adminIdentity === null ? undefined : Object.freeze({ user: options.adminIdentity ?? 'admin', groups: Object.freeze([]) as readonly string[] }),
    registrationsChanged,
  };
}

export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const ctx = createContext(options);
  const { store, pool, catalog, sessions, logger } = ctx;
  const port = options.port ?? 4444;
  const adminPort = options.adminPort ?? port;
  const host = options.host ?? '127.0.0.1';
  const shared = adminPort === port && port !== 0 ? true : options.adminPort === undefined;
  const extra = options.extraRoutes ?? [];

  const inflight = new InflightRequests();
  const agentServer = createServer((req, res) => {
    inflight.track(req, res);
    void route(ctx, req, res, { agent: true, admin: shared, extra });
  });
  if (shared && options.adminTls) throw new TypeError('startProxy: adminTls needs its own admin listener (adminPort other than port)');
  const serveAdmin = (req: IncomingMessage, res: ServerResponse) => void route(ctx, req, res, { agent: false, admin: true, extra: [] });
  const adminServer = shared ? agentServer : options.adminTls ? createTlsServer({ cert: options.adminTls.cert, key: options.adminTls.key, minVersion: 'TLSv1.2' }, serveAdmin) : createServer(serveAdmin);
  const agentUrl = await listen(agentServer, port, host);
  const adminUrl = shared ? agentUrl : await listen(adminServer, adminPort, host, options.adminTls ? 'https' : 'http');
  logger.info({ url: agentUrl, adminUrl, requireSync: ctx.requireSync }, 'proxy listening');

  return {
    url: agentUrl,
    adminUrl,
    getGateway: (id) => store.gateways.get(id),
    registrations: () => ({
      gateways: [...store.gateways.values()],
      servers: [...store.servers.values()].map((server) => ({
        server,
        gatewayIds: [...new Set([...server.spec.tool_selectors.map((s) => s.gateway_id), ...catalog.resolve(server).tools.map((t) => t.gatewayId)])],
      })),
    }),
    awaitDiscovery: (id) => awaitFirstDiscovery(pool.get(id)),
    refreshGateway: async (id, asUser) => {
      await pool.get(id)?.refresh(asUser);
    },
    close: async () => {
      const closed = Promise.all([closeServer(agentServer, inflight, options.shutdownGraceMs ?? 0), shared ? undefined : closeServer(adminServer, undefined, 0)]);
      inflight.endStreams();
      await closed;
      await sessions.closeAll();
      await pool.close();
      logger.flush?.();
    },
  };
}

async function route(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, on: { agent: boolean; admin: boolean; extra: ExtraRoute[] }): Promise<void> {
  let mcpEndpoint = false; // its errors answer with a JSON-RPC body (mcp/http-error.ts)
  try {
    const url = requestUrl(req);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/health' || path === '/healthz') return sendJson(res, 200, { status: 'healthy' });
    if (path === '/ready' || path === '/readyz') {
      const ready = !ctx.requireSync || ctx.store.synced;
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'waiting for the first full sync', digest: ctx.store.digest() });
    }
    // Metrics are for the platform, not for agents: the admin listener only (issue 11 #3).
    if (path === '/metrics' && method === 'GET' && on.admin) {
      const body = await ctx.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
      res.end(body);
      return;
    }
    if (on.agent) {
      for (const r of on.extra) if (r.method === method && path.startsWith(r.pathPrefix)) return await r.handler(req, res, url);
      const m = SERVER_ROUTE.exec(path);
      if (m) {
        mcpEndpoint = true;
        const ref = decodePathSegment(m[1] as string);
        if (m[2] === 'mcp' && (method === 'POST' || method === 'GET' || method === 'DELETE')) return await handleStreamableHttp(ctx, req, res, ref);
        if (m[2] === 'sse' && method === 'GET') return await handleSseStream(ctx, req, res, ref);
        if (m[2] === 'message' && method === 'POST') return await handleSseMessage(ctx, req, res, ref, url);
        const allow = m[2] === 'mcp' ? 'GET, POST, DELETE' : m[2] === 'sse' ? 'GET' : 'POST';
        throw new ProxyError('ERR_METHOD_NOT_ALLOWED', `${method} is not allowed on ${path} (allowed: ${allow})`, { headers: { allow } });
      }
      if ((path === '/tools/invoke' || path === '/v1/tools/invoke') && method === 'POST') return await handleInvoke(ctx, req, res);
    }
    if (on.admin && (await handleAdmin(ctx, req, res, url))) return;
    throw new ProxyError('ERR_NOT_FOUND', `no route for ${method} ${path.slice(0, 200)}`);
  } catch (err) {
    if (!(err instanceof ProxyError)) ctx.logger.error({ err, method: req.method, path: req.url?.split('?')[0] }, 'request failed');
    if (mcpEndpoint) sendMcpHttpError(res, err);
    else sendError(res, err);
  }
}

function listen(server: Server, port: number, host: string, scheme: 'http' | 'https' = 'http'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve(`${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}

/** Responses not finished yet on one listener: GET event streams (open-ended) apart from the rest. */
class InflightRequests {
  readonly #streams = new Set<ServerResponse>();
  #open = 0;
  #idle: (() => void) | undefined;

  track(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.headers.accept?.includes('text/event-stream')) {
      this.#streams.add(res);
      res.once('close', () => this.#streams.delete(res));
      return;
    }
    this.#open++;
    res.once('close', () => {
      if (--this.#open === 0) this.#idle?.();
    });
  }

  /** Ends every GET event stream now (its agent reconnects, to another replica). */
  endStreams(): void {
    for (const res of this.#streams) res.end();
  }

  /** Resolves when no other response is open, or after `ms`. */
  settled(ms: number): Promise<void> {
    if (this.#open === 0 || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Stops accepting, closes idle keep-alive connections, waits up to `graceMs` for open responses, then closes the rest. */
async function closeServer(server: Server, inflight: InflightRequests | undefined, graceMs: number): Promise<void> {
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  if (inflight) await inflight.settled(graceMs);
  server.closeAllConnections();
  await done;
}
