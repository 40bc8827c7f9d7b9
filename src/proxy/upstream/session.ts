/**
 * One long-lived MCP client session to one upstream, for one credential scope (see
 * `credentialScope`). Reused by every call in that scope; re-established with backoff when it breaks.
 *
 * States: `idle` (never connected) → `connecting` → `ready` | `down`. While `down`, calls fail
 * at once with `ERR_UPSTREAM_UNREACHABLE` naming the cause, and a reconnect runs in the background
 * (backoff 250 ms doubling to 30 s). A call that finds the upstream session gone (HTTP 404 after
 * an upstream restart) re-initializes and retries once: the upstream never processed it.
 *
 * Suspicion (outage detection within seconds, docs/proxy.md "Upstream health"): a request of a
 * ready session that fails in transport (connection refused or reset, no answer within its
 * deadline) or the session's own stream failing (`client.onerror`: the standing GET stream of
 * Streamable HTTP, the SSE stream) makes the session *suspect*: it is probed with a ping at once
 * (at most one probe per second, single flight), and only the probe decides — a transport failure
 * or no answer within the health-check timeout marks it `down`, an answer (even 401) clears it.
 * Never suspect: a JSON-RPC error answered by the upstream, a call whose stream ended
 * (`ERR_UPSTREAM_STREAM_ENDED`), refused credentials (one user's problem). The cost is on the failure
 * path only: a flag check and at most one timer per session, nothing per successful request.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ErrorCode,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { z } from 'zod';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import { ConsentRequiredError, UpstreamAuthError, type UpstreamCredentials } from './credentials.ts';
import { JsonRpcError } from '../jsonrpc-error.ts';
import { describeFailure, UpstreamFailure } from './errors.ts';
import { checkOutboundUrl } from '../oauth/url-guard.ts';
import { fastRequest } from './upstream-fast-path.ts';
import type { ConnectGate } from './connect-gate.ts';
import { refuseUnattributedRequests, UPSTREAM_CLIENT_CAPABILITIES, type ClientRequestRelay } from './client-requests.ts';
import { upstreamFetch, type LogSink } from './fetch.ts';

/** Results pass through verbatim: the upstream is the authority on its own results. */
const Verbatim = z.unknown();
const CLIENT_INFO = { name: 'mcp-gitops-proxy', version: '0.1.0' };
/**
 * The SDK client's JSON Schema validator (it checks tool results against their `outputSchema`
 * only in its own `callTool`, after its own `listTools`, neither of which the proxy uses): results
 * pass through verbatim, so one validator that accepts everything serves every session. The SDK's
 * default builds an Ajv instance with its formats per client — 17 KiB of heap and ~2 ms of CPU
 * each, for every upstream session and every reconnect (170 MiB and 20 s at 10,000 gateways).
 */
const PASS_THROUGH: jsonSchemaValidator = { getValidator: () => (input) => ({ valid: true, data: input as never, errorMessage: undefined }) };

/** Most pages one list (`tools/list`, `prompts/list`, …) may take (docs/proxy.md, "Limits"). */
export const MAX_LIST_PAGES = 100;
/** Most items one list may hold, over all its pages. */
export const MAX_LIST_ITEMS = 10_000;
/** Suspicion probes of one session are at least this far apart (so a stream of failures costs one ping a second). */
export const PROBE_SPACING_MS = 1_000;

export interface SessionOptions {
  credentials: UpstreamCredentials;
  /** Called when the upstream announces `notifications/{tools,prompts,resources}/list_changed`. */
  onToolListChanged: () => void;
  /** Called when the upstream announces `notifications/resources/updated` for a subscribed URI. */
  onResourceUpdated?: (session: UpstreamSession, uri: string) => void;
  /** Called on every state change (for observed status and metrics). */
  onStateChange: (session: UpstreamSession) => void;
  /** Deadline to connect and initialize, ms. Defaults to 10000. */
  connectTimeoutMs?: number;
  /** Bounds the set-ups in flight across the replica's sessions (connect-gate.ts); none = unbounded. */
  connectGate?: ConnectGate;
  /** Deadline of the ping that confirms or clears a suspicion, ms: the gateway's health-check timeout, asked at each probe (it follows spec updates). Defaults to 10000. */
  probeTimeoutMs?: () => number;
  /**
   * SSRF policy for the upstream URL, checked (with DNS) before each connect. Loopback and private
   * addresses are refused unless allowed here or by the gateway's `allow_private_network`.
   * Undefined = no check.
   */
  urlPolicy?: UpstreamUrlPolicy;
}

/** Which upstream addresses the proxy may connect to. */
export interface UpstreamUrlPolicy {
  /** Allow loopback upstreams for every gateway (dev, tests). Defaults to false. */
  allowLoopback?: boolean;
  /** Allow private and link-local upstreams for every gateway. Defaults to false. */
  allowPrivateNetwork?: boolean;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Set when the agent asked for progress; receives the upstream's progress. */
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  /**
   * Receives logging notifications the upstream sent while answering this call (Streamable HTTP
   * upstreams: everything on the call's response stream is the call's). SSE upstreams send all
   * messages on one stream, so their log lines cannot be attributed and are not relayed.
   */
  onlog?: LogSink;
  /**
   * Answers the requests the upstream sends to its client while answering this call
   * (`elicitation/create`, `sampling/createMessage`, `roots/list`), by asking the call's agent.
   * Streamable HTTP upstreams only (the call's own response stream); without it, or for SSE
   * upstreams, such requests get an error at once (see `client-requests.ts`).
   */
  onrequest?: ClientRequestRelay;
  /** Deadline without progress, ms. Defaults to 300000. */
  timeoutMs?: number;
}

export type SessionState = 'idle' | 'connecting' | 'ready' | 'down';

export class UpstreamSession {
  readonly gateway: GatewayRegistration;
  readonly scope: string;
  readonly user: AgentIdentity | undefined;
  state: SessionState = 'idle';
  lastError: string | null = null;
  lastSeen: Date | null = null;
  /** When a call, list or ping last used this session (ms since epoch). */
  lastUsed = Date.now();
  /** Why the session was last suspected (for logs); the probe's outcome is what counts. */
  suspectedBecause: string | null = null;
  /** What the upstream declared in its last `initialize` (empty before the first). */
  capabilities: ServerCapabilities = {};
  /** The upstream's `instructions` from its last `initialize`. */
  instructions: string | undefined;
  /** URIs subscribed upstream through this session (renewed after a reconnect). */
  readonly #subscriptions = new Set<string>();

  readonly #opts: SessionOptions;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #backoffMs = 250;
  #closed = false;
  /** A suspicion probe is scheduled or running. */
  #probing = false;
  /** When the last suspicion probe started (ms since epoch): probes are at least PROBE_SPACING_MS apart. */
  #lastProbeAt = 0;

  constructor(gateway: GatewayRegistration, scope: string, user: AgentIdentity | undefined, opts: SessionOptions) {
    this.gateway = gateway;
    this.scope = scope;
    this.user = user;
    this.#opts = opts;
  }

  /** Connects (single flight). Resolves when ready; rejects with an `UpstreamFailure`. */
  connect(): Promise<Client> {
    if (this.#client && this.state === 'ready') return Promise.resolve(this.#client);
    return (this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined)));
  }

  async #connect(): Promise<Client> {
    // A background reconnect of a down session stays `down` until it succeeds, so calls keep
    // failing fast instead of waiting on an upstream that may hang.
    if (this.state !== 'down') this.#setState('connecting');
    const g = this.gateway;
    const policy = this.#opts.urlPolicy;
    if (policy) {
      const own = g.spec.allow_private_network;
      try {
        await checkOutboundUrl(g.spec.url, { allowLoopback: (policy.allowLoopback ?? false) || own, allowPrivateNetwork: (policy.allowPrivateNetwork ?? false) || own, allowInsecureHttp: true }, 'url');
      } catch (err) {
        throw this.#fail(new UpstreamFailure('ERR_UPSTREAM_UNREACHABLE', g.spec.name, (err as Error).message));
      }
    }
    const fetch = upstreamFetch(() => this.#opts.credentials.headersFor(g, this.user));
    const url = new URL(g.spec.url);
    const transport = g.spec.transport === 'SSE' ? new SSEClientTransport(url, { fetch, eventSourceInit: { fetch } }) : new StreamableHTTPClientTransport(url, { fetch });
    const client = new Client(CLIENT_INFO, { capabilities: UPSTREAM_CLIENT_CAPABILITIES, jsonSchemaValidator: PASS_THROUGH });
    refuseUnattributedRequests(client);
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => this.#opts.onToolListChanged());
    client.setNotificationHandler(PromptListChangedNotificationSchema, async () => this.#opts.onToolListChanged());
    client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => this.#opts.onToolListChanged());
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (n) => this.#opts.onResourceUpdated?.(this, n.params.uri));
    // The session's own stream failed (the upstream went away, or a hiccup): a probe tells which.
    client.onerror = (err) => {
      if (this.#client === client) this.suspect(`the session's stream failed: ${describeFailure(err)}`);
    };
    client.onclose = () => {
      if (this.#client === client && !this.#closed) this.#fail(new Error('upstream closed the session'));
    };
    const setUp = async (): Promise<void> => {
      await client.connect(transport, { timeout: this.#opts.connectTimeoutMs ?? 10_000 });
      if (client.getServerCapabilities()?.logging) {
        // Every log line, filtered per agent by the proxy (mcp/log-level.ts): servers that send none
        // until a level is set (the Go SDK's) would otherwise never log through the proxy. An upstream
        // that refuses keeps its own default level; nothing else depends on it.
        await client.setLoggingLevel('debug', { timeout: this.#opts.connectTimeoutMs ?? 10_000 }).catch(() => undefined);
      }
    };
    try {
      // In turn with the replica's other set-ups (connect-gate.ts): the deadlines start with the turn.
      await (this.#opts.connectGate ? this.#opts.connectGate.run(setUp) : setUp());
    } catch (err) {
      void client.close().catch(() => {}); // a client that never connected: the connect error is what matters
      throw this.#fail(err);
    }
    if (this.#closed) {
      void client.close().catch(() => {}); // closed while connecting: nobody will use this client
      throw new UpstreamFailure('ERR_UPSTREAM_UNREACHABLE', g.spec.name, `gateway ${g.spec.name}: session closed`);
    }
    const old = this.#client;
    this.#client = client;
    if (old && old !== client) void old.close().catch(() => {}); // replaced: nothing uses the old client any more
    this.#backoffMs = 250;
    this.lastError = null;
    this.lastSeen = new Date();
    this.capabilities = client.getServerCapabilities() ?? {};
    this.instructions = client.getInstructions();
    // A new upstream session knows none of the old one's subscriptions: renew them.
    for (const uri of this.#subscriptions) void client.request({ method: 'resources/subscribe', params: { uri } }, Verbatim).catch(() => {});
    this.#setState('ready');
    return client;
  }

  /**
   * Forwards `tools/call` (params as the agent sent them, with the upstream tool name). Resolves
   * the upstream's result verbatim. Rejects with `UpstreamFailure` (did not reach the upstream) or
   * `JsonRpcError` (the upstream answered with a JSON-RPC error).
   */
  async callTool(params: CallToolRequest['params'], options: CallOptions = {}): Promise<Record<string, unknown>> {
    return (await this.#request('tools/call', params, options, true)) as Record<string, unknown>;
  }

  /** All tools of the upstream (every page). */
  async listTools(): Promise<Tool[]> {
    return this.listAll<Tool>('tools/list', 'tools');
  }

  /**
   * Every page of a list method (`prompts/list` → `prompts`, …), bounded: more than
   * `MAX_LIST_PAGES` pages or `MAX_LIST_ITEMS` items (an upstream that pages forever, or floods)
   * rejects with `ERR_UPSTREAM_LIST_TOO_LONG` naming the limit, and nothing of that list is kept.
   */
  async listAll<T>(method: string, field: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_LIST_PAGES) throw this.#listTooLong(method, `more than ${MAX_LIST_PAGES} pages`);
      const page = (await this.#request(method, cursor ? { cursor } : {}, { timeoutMs: 30_000 }, true)) as Record<string, unknown> & { nextCursor?: string };
      const got = page[field];
      if (Array.isArray(got)) {
        if (items.length + got.length > MAX_LIST_ITEMS) throw this.#listTooLong(method, `more than ${MAX_LIST_ITEMS} items`);
        for (const item of got) items.push(item as T);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  #listTooLong(method: string, what: string): UpstreamFailure {
    const name = this.gateway.spec.name;
    return new UpstreamFailure('ERR_UPSTREAM_LIST_TOO_LONG', name, `gateway ${name}: ${method} returned ${what} (ERR_UPSTREAM_LIST_TOO_LONG; the proxy's limits are ${MAX_LIST_PAGES} pages and ${MAX_LIST_ITEMS} items per list)`);
  }

  /**
   * Forwards one request of an agent that is not a tool call (`resources/read`, `prompts/get`,
   * `completion/complete`, …) and resolves the upstream's result verbatim. Errors as `callTool`.
   */
  async send(method: string, params: Record<string, unknown> | undefined, options: CallOptions = {}): Promise<Record<string, unknown>> {
    return (await this.#request(method, params, options, true)) as Record<string, unknown>;
  }

  /** Subscribes `uri` upstream and keeps it subscribed across reconnects until `unsubscribe`. */
  async subscribe(uri: string, options: CallOptions = {}): Promise<void> {
    await this.#request('resources/subscribe', { uri }, options, true);
    this.#subscriptions.add(uri);
  }

  async unsubscribe(uri: string, options: CallOptions = {}): Promise<void> {
    this.#subscriptions.delete(uri);
    await this.#request('resources/unsubscribe', { uri }, options, true);
  }

  /**
   * A health check (connecting first if needed; rejects with `UpstreamFailure`). An upstream that
   * does not answer within `timeoutMs` is down (a hung server looks reachable to TCP), and so is one
   * that fails it in transport: the session is marked down, its tools fail fast, and it reconnects.
   */
  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.#request('ping', undefined, { timeoutMs }, true);
    } catch (err) {
      if (err instanceof UpstreamFailure && err.code === 'ERR_UPSTREAM_TIMEOUT') {
        this.#markDown(`no answer to a health check within ${timeoutMs} ms`);
      }
      throw err;
    }
  }

  async #request(method: string, params: unknown, options: CallOptions, retryOnLostSession: boolean): Promise<unknown> {
    if (this.#closed) throw new UpstreamFailure('ERR_UPSTREAM_UNREACHABLE', this.gateway.spec.name, `gateway ${this.gateway.spec.name}: session closed`);
    if (this.state === 'down') throw this.#unreachable();
    this.lastUsed = Date.now();
    const client = this.#client && this.state === 'ready' ? this.#client : await this.connect();
    const transport = client.transport;
    if ((method === 'tools/call' || method === 'ping') && transport instanceof StreamableHTTPClientTransport) {
      try {
        const headers = await this.#opts.credentials.headersFor(this.gateway, this.user, options.signal);
        const target = { url: this.gateway.spec.url, gatewayName: this.gateway.spec.name, sessionId: transport.sessionId, protocolVersion: transport.protocolVersion, headers };
        const result = await fastRequest(target, method, params as Record<string, unknown> | undefined, { ...options, timeoutMs: options.timeoutMs ?? 300_000 });
        this.lastSeen = new Date();
        return result;
      } catch (err) {
        return this.#recover(err, client, method, params, options, retryOnLostSession);
      }
    }
    try {
      const result = await client.request({ method, ...(params === undefined ? {} : { params }) } as never, Verbatim, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onprogress ? { onprogress: options.onprogress, resetTimeoutOnProgress: true } : {}),
        timeout: options.timeoutMs ?? 300_000,
      });
      this.lastSeen = new Date();
      return result;
    } catch (err) {
      return this.#recover(err, client, method, params, options, retryOnLostSession);
    }
  }

  /** Classifies a failed request: rethrow as the agent should see it, retry once on a lost session, make the session suspect, or (a ping) mark it down. */
  async #recover(err: unknown, client: Client, method: string, params: unknown, options: CallOptions, retryOnLostSession: boolean): Promise<unknown> {
    if (options.signal?.aborted) throw err;
    if (err instanceof JsonRpcError) throw err;
    if (err instanceof UpstreamFailure) {
      // No answer within the deadline: maybe a slow tool, maybe a dead upstream. (A ping's own
      // timeout is judged by ping().)
      if (err.code === 'ERR_UPSTREAM_TIMEOUT' && method !== 'ping') this.suspect(err.message);
      throw err;
    }
    if (err instanceof McpError) {
      if (err.code === ErrorCode.RequestTimeout) {
        if (options.signal?.aborted) throw err;
        const timeout = new UpstreamFailure('ERR_UPSTREAM_TIMEOUT', this.gateway.spec.name, `gateway ${this.gateway.spec.name}: no answer to ${method} within ${options.timeoutMs ?? 300_000} ms`);
        if (method !== 'ping') this.suspect(timeout.message);
        throw timeout;
      }
      if (err.code !== ErrorCode.ConnectionClosed) throw new JsonRpcError(err.code, err.message.replace(/^MCP error -?\d+: /, ''), err.data);
    }
    if (err instanceof ConsentRequiredError || err instanceof UpstreamAuthError) throw err;
    const status = (err as { code?: unknown }).code;
    if (status === 404 && retryOnLostSession && this.#client === client) {
      // The upstream forgot our session (it restarted): the request was not processed.
      this.#client = undefined;
      this.#setState('idle');
      void client.close().catch(() => {}); // the upstream already forgot this session
      return this.#request(method, params, options, false);
    }
    if (status === 401 || status === 403) {
      throw new UpstreamFailure('ERR_UPSTREAM_AUTH', this.gateway.spec.name, `gateway ${this.gateway.spec.name}: upstream refused the credentials (HTTP ${status})`);
    }
    // A health check (or suspicion probe) that fails in transport confirms the outage; any other
    // request failing so only makes the session suspect, and the probe decides.
    if (method === 'ping') throw this.#fail(err);
    const cause = describeFailure(err);
    this.suspect(cause);
    const name = this.gateway.spec.name;
    throw new UpstreamFailure('ERR_UPSTREAM_UNREACHABLE', name, `gateway ${name} is unreachable: ${cause} (the proxy is checking the upstream)`, { cause: err });
  }

  /**
   * Makes a ready session suspect (see the module comment): probes it with a ping now, or once
   * PROBE_SPACING_MS passed since the last probe; a probe already scheduled or running covers it.
   * O(1); a session that is not ready (down: already reconnecting; idle/connecting: its connect
   * decides) ignores it.
   */
  suspect(cause: string): void {
    if (this.#probing || this.#closed || this.state !== 'ready') return;
    this.#probing = true;
    this.suspectedBecause = cause;
    const wait = Math.max(0, this.#lastProbeAt + PROBE_SPACING_MS - Date.now());
    setTimeout(() => void this.#probe(), wait).unref();
  }

  async #probe(): Promise<void> {
    this.#lastProbeAt = Date.now();
    try {
      if (this.#closed || this.state !== 'ready') return;
      await this.ping(this.#opts.probeTimeoutMs?.() ?? 10_000);
    } catch {
      // ping() marked the session down when the probe failed in transport or timed out; any other
      // answer (401, a JSON-RPC error) means the upstream is there.
    } finally {
      this.#probing = false;
    }
  }

  /** Marks the session down, schedules a reconnect, and returns the error to throw. */
  #fail(err: unknown): Error {
    if (err instanceof ConsentRequiredError || err instanceof UpstreamAuthError || err instanceof UpstreamFailure) {
      if (err instanceof UpstreamFailure && err.code === 'ERR_UPSTREAM_UNREACHABLE') this.#markDown(err.message);
      else if (!(err instanceof UpstreamFailure)) this.#setState(this.#client ? 'ready' : 'idle');
      return err;
    }
    const cause = describeFailure(err);
    const status = (err as { code?: unknown }).code;
    if (status === 401 || status === 403) {
      this.lastError = `upstream refused the credentials (HTTP ${status})`;
      this.#setState('idle');
      return new UpstreamFailure('ERR_UPSTREAM_AUTH', this.gateway.spec.name, `gateway ${this.gateway.spec.name}: ${this.lastError}`, { cause: err });
    }
    this.#markDown(cause);
    return this.#unreachable(err);
  }

  #markDown(cause: string): void {
    const wasClient = this.#client;
    this.#client = undefined;
    if (wasClient) void wasClient.close().catch(() => {}); // already detached: nothing uses it any more
    this.lastError = cause;
    this.#setState('down');
    this.#scheduleReconnect();
  }

  #unreachable(cause?: unknown): UpstreamFailure {
    return new UpstreamFailure(
      'ERR_UPSTREAM_UNREACHABLE',
      this.gateway.spec.name,
      `gateway ${this.gateway.spec.name} is unreachable: ${this.lastError ?? 'not connected'} (the proxy reconnects in the background)`,
      cause === undefined ? undefined : { cause },
    );
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, 30_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed || this.state !== 'down') return;
      this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
      this.#connecting.catch(() => {}); // #connect records a failure (state down, lastError) and schedules the next try
    }, delay);
    this.#retryTimer.unref();
  }

  /** Tries to reconnect now (a health check found the session down). */
  reconnectNow(): void {
    if (this.state !== 'down' || this.#connecting) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#connecting = this.#connect().finally(() => (this.#connecting = undefined));
    this.#connecting.catch(() => {}); // #connect records a failure (state down, lastError) and schedules the next try
  }

  #setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.#opts.onStateChange(this);
  }

  /** Closes the upstream session (DELETE for Streamable HTTP) and stops reconnecting. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    const transport = client.transport;
    // Closing: an upstream that cannot be told (gone, or no DELETE support) expires the session itself.
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {}); // the transport is ours to drop either way
  }
}
