/** What `startProxy` takes and what it hands back (the proxy's public contract, re-exported by start.ts). */
import type { Logger } from 'pino';
import type { AgentAuthOptions } from './agent-auth/options.ts';
import type { ExtraRoute } from './http/extra-route.ts';
import type { AgentIdentity, GatewayRegistration, ServerRegistration } from './registry/types.ts';
import type { UpstreamCredentials } from './upstream/credentials.ts';

export interface ProxyOptions {
  /** Agent port. Defaults to 4444; 0 picks a free port. */
  port?: number;
  /** Admin port. Defaults to `port`: one listener serves both (the `dev` default). */
  adminPort?: number;
  /** Bind address. Defaults to `127.0.0.1`. */
  host?: string;
  /**
   * Serve the admin listener over TLS with this certificate and key (PEM), so nothing on the admin
   * wire (the admin token, resolved Secret values in gateway registrations) crosses the network in
   * clear. Needs its own admin listener (`adminPort` other than `port`).
   */
  adminTls?: { cert: string; key: string };
  /** The admin credential (opaque, compared in constant time). Required. */
  adminToken: string;
  /**
   * The user `POST /tools/invoke` acts as when called with the admin token (the seed's
   * `MCPGATEWAY_BEARER_TOKEN`): access lists, per-user OAuth consent and the audit line (with
   * `credential: "admin-token"`) are that user's. `null` refuses the admin token there. Defaults to
   * `admin`; `mcp-gitops dev` uses its `--user`.
   */
  adminIdentity?: string | null;
  agentAuth: AgentAuthOptions;
  /** Answer `/ready` 503 until an admin caller posts a matching `/state/synced`. Defaults to false. */
  requireSync?: boolean;
  /**
   * Origins allowed to call MCP endpoints from a browser (`Origin` header). Requests without an
   * `Origin` are allowed. Defaults to loopback origins (`http://localhost:*`, `http://127.0.0.1:*`).
   */
  allowedOrigins?: string[];
  /**
   * Host names agents may reach the MCP endpoints and `/tools/invoke` by (`Host` header, port
   * ignored): exact names, `*.example.com`, or `*` for no check. A request under any other name is
   * refused with 403 even without an `Origin` (DNS rebinding). Defaults to loopback names and the
   * `publicUrl`'s host, plus IP literals and in-cluster names when `host` is not loopback
   * (mcp/host-guard.ts).
   */
  allowedHosts?: string[];
  /** Defaults to a pino logger at `info` on stdout. */
  logger?: Logger;
  /** Upstream credentials. Defaults to `staticCredentials` (OAuth gateways then fail with ERR_OAUTH_NOT_CONFIGURED). */
  credentials?: UpstreamCredentials;
  /** Public base URL of the agent listener (for endpoints and consent links). Defaults to the listener's own URL. */
  publicUrl?: string;
  /** Routes for the agent listener (the OAuth relay's `/oauth/...`, `/.well-known/...`). */
  extraRoutes?: ExtraRoute[];
  /** `WWW-Authenticate` value on agent 401s. Defaults to `Bearer realm="mcp-gitops"`. */
  wwwAuthenticate?: (serverId: string | undefined) => string;
  /**
   * Items per page of the lists agents read (`tools/list`, `prompts/list`, `resources/list`,
   * `resources/templates/list`). Defaults to 100.
   */
  listPageSize?: number;
  /** Upper bound of concurrent agent sessions. Defaults to 10000. */
  maxSessions?: number;
  /** Agent sessions one user holds on a replica; the next closes that user's least recently used. Defaults to 100. */
  maxSessionsPerUser?: number;
  /** A replica frees an agent session idle this long (its next request rebuilds it from the id). Defaults to 30 min. */
  sessionIdleMs?: number;
  /** An agent session drops its SDK server after this long without an SDK-served request (rebuilt from its id when needed). Default 5000. */
  sessionShedMs?: number;
  /**
   * Keys (32 bytes each) sealing agent session ids, so that any replica serves any session
   * (docs/proxy.md, "Sessions any replica serves"). Replicas behind one Service must share them;
   * the first seals, all open (rotation). `mcp-gitops proxy` derives them from the vault keyring.
   * Defaults to one random key: sessions then live as long as this process.
   */
  sessionKeys?: readonly Uint8Array[];
  /** An agent session id is valid this long after `initialize`, on every replica. Defaults to 24 h. */
  sessionMaxAgeMs?: number;
  /**
   * SSRF guard for upstream URLs: when set, an upstream resolving to a loopback, private or
   * link-local address is refused (shown as the gateway's `lastError`, its tools fail fast) unless
   * allowed here or by the gateway's `allow_private_network`. Undefined = no check (the `dev`
   * default, whose upstreams are local); set `{}` in-cluster.
   */
  upstreamUrlPolicy?: { allowLoopback?: boolean; allowPrivateNetwork?: boolean };
  /**
   * A tool call fails with `ERR_UPSTREAM_TIMEOUT` (and is cancelled upstream) when the upstream
   * shows no activity — no response headers, then no stream chunk; progress counts — for this
   * long. Defaults to 300000 (5 min).
   */
  upstreamCallTimeoutMs?: number;
  /**
   * On `close()`, requests in flight get this long to finish after the listeners stop accepting
   * (GET streams are ended at once: their agents reconnect to another replica). Defaults to 0
   * (close at once); `mcp-gitops proxy` uses 15 s, inside Kubernetes' 30 s grace period.
   */
  shutdownGraceMs?: number;
}

export interface ProxyHandle {
  /** Agent listener base URL, e.g. `http://127.0.0.1:4444`. */
  readonly url: string;
  /** Admin listener base URL (equal to `url` when one listener serves both). */
  readonly adminUrl: string;
  /** The registration `id`, or undefined. */
  getGateway(id: string): GatewayRegistration | undefined;
  /**
   * The registrations served now; each virtual server with the ids of the gateways it draws tools
   * from (its `tool_selectors`, plus gateways of tools it resolved). For the connections page.
   */
  registrations(): { gateways: GatewayRegistration[]; servers: Array<{ server: ServerRegistration; gatewayIds: string[] }> };
  /** Resolves once gateway `id` has been discovered once (or failed to be), at most after 10 s (as `POST /gateways` waits). */
  awaitDiscovery(id: string): Promise<void>;
  /** Re-lists a gateway's tools now; `asUser` for per-user OAuth gateways (e.g. right after consent). */
  refreshGateway(id: string, asUser?: AgentIdentity): Promise<void>;
  /** Stops listening, lets requests in flight finish (`shutdownGraceMs`), closes agent and upstream sessions. */
  close(): Promise<void>;
}
