/**
 * The one tool-call core. Every `tools/call` goes through `ToolCalls.call`, whichever entry point
 * it came in by — the SDK server of an agent session (`agent-server.ts`), the agent fast path
 * (`agent-fast-path.ts`) or `POST /tools/invoke` (`invoke.ts`); those only translate their wire
 * format to a `ToolCallRequest` and the outcome back.
 *
 * Here, in this order: the virtual server still exists, the caller is on its access list, the
 * tool name is served, then the call goes upstream; every call that names an existing server is
 * audited (log line + metrics) once, with its outcome.
 *
 * Outcome (docs/proxy.md):
 * - the server was deleted → `ProxyError` `ERR_SERVER_GONE`; not on the access list →
 *   `ERR_FORBIDDEN`; unknown tool name → `ERR_UNKNOWN_TOOL` (MCP: `-32602` "Unknown tool: <name>").
 *   Each adapter answers these by the registry in `../errors.ts`.
 * - the upstream answered a JSON-RPC error → `JsonRpcError` with the same code, message and data.
 * - the upstream's result, `isError` or not, with structured content → returned verbatim.
 * - the call did not reach the upstream (down, disabled, timeout, refused credentials) → an
 *   `isError` result whose text names the gateway and the cause; for per-user OAuth without
 *   consent, the text carries the consent link — or, when the agent declared URL elicitation,
 *   `JsonRpcError` `-32042` (URLElicitationRequired) carrying it.
 * - the caller cancelled (`signal` aborted) → rejects with the abort reason; nothing is answered.
 */
import type { Logger } from 'pino';
import type { ClientCapabilities, LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { Catalog } from '../catalog/catalog.ts';
import { ProxyError } from '../errors.ts';
import { JsonRpcError } from '../jsonrpc-error.ts';
import type { Audit, CallOutcome } from '../observe/audit.ts';
import type { RegistrationStore } from '../registry/store.ts';
import type { AgentIdentity, ServerRegistration } from '../registry/types.ts';
import type { ClientRequestRelay } from '../upstream/client-requests.ts';
import { ConsentRequiredError, UpstreamAuthError } from '../upstream/credentials.ts';
import { UpstreamFailure } from '../upstream/errors.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import { mayAccess } from './agent-auth.ts';
import { refusalFor } from './agent-requests.ts';
import { acceptsUrlElicitation, urlElicitationRequired } from './consent-elicitation.ts';
import { logFilter } from './log-level.ts';

export type CallTransport = 'streamable-http' | 'sse' | 'invoke';

/** One tool call, as every entry point hands it over. */
export interface ToolCallRequest {
  /** The virtual server's id. */
  serverId: string;
  /** The tool's name as the server serves it. */
  name: string;
  arguments?: Record<string, unknown> | undefined;
  identity: AgentIdentity;
  /** Set when `identity` is the configured admin identity, acting on the admin token (`/tools/invoke`). */
  credential?: 'admin-token';
  transport: CallTransport;
  signal?: AbortSignal;
  /** The agent's `_meta` of the request (its `progressToken` is replaced by the upstream hop's own). */
  meta?: Record<string, unknown>;
  /** Sends a notification to the agent, related to this request. */
  notify?: (n: { method: string; params?: Record<string, unknown> }) => Promise<void> | void;
  /** The agent's declared capabilities (from `initialize`), when it has a session. */
  clientCapabilities?: () => ClientCapabilities | undefined;
  /**
   * Sends a request to the agent, related to this call, and resolves its result (rejects with its
   * JSON-RPC error). Used to relay the upstream's elicitation, sampling and roots requests, after
   * checking the agent declared the capability. Absent (`/tools/invoke`): such requests are refused.
   */
  request?: ClientRequestRelay;
  /** The lowest log level the agent asked for (`logging/setLevel`); undefined = everything. */
  logLevel?: () => LoggingLevel | undefined;
}

export type ToolResult = Record<string, unknown>;

export class ToolCalls {
  readonly #store: RegistrationStore;
  readonly #catalog: Catalog;
  readonly #pool: UpstreamPool;
  readonly #audit: Audit;
  readonly #logger: Logger;

  constructor(deps: { store: RegistrationStore; catalog: Catalog; pool: UpstreamPool; audit: Audit; logger: Logger }) {
    this.#store = deps.store;
    this.#catalog = deps.catalog;
    this.#pool = deps.pool;
    this.#audit = deps.audit;
    this.#logger = deps.logger;
  }

  /** The session's virtual server, or `ERR_SERVER_GONE` when it was deleted meanwhile. */
  server(serverId: string): ServerRegistration {
    const server = this.#store.servers.get(serverId);
    if (!server) throw new ProxyError('ERR_SERVER_GONE', `virtual server ${serverId} no longer exists`);
    return server;
  }

  /** Calls the tool. See the module contract for what it resolves and throws. */
  async call(req: ToolCallRequest): Promise<ToolResult> {
    const server = this.server(req.serverId);
    const started = performance.now();
    const allowed = mayAccess(server.spec.access, req.identity);
    const entry = allowed ? this.#catalog.resolve(server).byName.get(req.name) : undefined;
    const runtime = entry ? this.#pool.get(entry.gatewayId) : undefined;
    let outcome: CallOutcome = 'ok';
    let code: string | undefined;
    try {
      if (!allowed) {
        outcome = 'forbidden';
        code = 'ERR_FORBIDDEN';
        throw new ProxyError('ERR_FORBIDDEN', `user ${req.identity.user} may not use virtual server ${server.spec.name}`);
      }
      if (!entry || !runtime) {
        outcome = 'unknown_tool';
        throw new ProxyError('ERR_UNKNOWN_TOOL', `Unknown tool: ${req.name}`);
      }
      const { progressToken, ...meta } = req.meta ?? {};
      const notify = req.notify;
      const result = await runtime.callTool(
        req.identity,
        { name: entry.originalName, ...(req.arguments === undefined ? {} : { arguments: req.arguments }), ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}) },
        {
          ...(req.signal ? { signal: req.signal } : {}),
          ...(progressToken !== undefined && notify ? { onprogress: (p) => void notify({ method: 'notifications/progress', params: { ...p, progressToken } }) } : {}),
          ...(notify ? { onlog: logFilter(notify, req.logLevel) } : {}),
          onrequest: relayTo(req),
        },
      );
      if (result.isError === true) outcome = 'tool_error';
      return result;
    } catch (err) {
      if (err instanceof ProxyError) throw err;
      if (req.signal?.aborted) {
        outcome = 'cancelled';
        throw err;
      }
      const failed = this.#failed(err, req, server, runtime?.registration.spec.name);
      outcome = failed.outcome;
      code = failed.code;
      if (failed.error) throw failed.error;
      return failed.result;
    } finally {
      this.#audit.record({
        user: req.identity.user,
        serverId: server.id,
        server: server.spec.name,
        gatewayId: entry?.gatewayId,
        gateway: runtime?.registration.spec.name,
        tool: req.name,
        upstreamTool: entry?.originalName,
        outcome,
        ...(code === undefined ? {} : { code }),
        durationMs: performance.now() - started,
        transport: req.transport,
        ...(req.credential ? { credential: req.credential } : {}),
      });
    }
  }

  /** What a call that did not return a result answers, and how it is audited. */
  #failed(err: unknown, req: ToolCallRequest, server: ServerRegistration, gatewayName: string | undefined): { outcome: CallOutcome; code: string; error?: JsonRpcError; result: ToolResult } {
    if (err instanceof JsonRpcError) return { outcome: 'rpc_error', code: String(err.code), error: err, result: {} };
    if (err instanceof ConsentRequiredError) {
      const gateway = gatewayName ?? err.gatewayId;
      if (acceptsUrlElicitation(req.clientCapabilities?.())) return { outcome: 'consent_required', code: err.code, error: urlElicitationRequired(gateway, err.consentUrl), result: {} };
      const text = `Authorization required: gateway ${gateway} needs your consent before its tools can act for you. Open ${err.consentUrl} , approve access, then retry this call.`;
      return { outcome: 'consent_required', code: err.code, result: errorResult(text, { code: err.code, consentUrl: err.consentUrl }) };
    }
    if (err instanceof UpstreamAuthError) return { outcome: 'auth_error', code: err.code, result: errorResult(err.message, { code: err.code }) };
    if (err instanceof UpstreamFailure) {
      const outcome = err.code === 'ERR_UPSTREAM_TIMEOUT' ? 'timeout' : err.code === 'ERR_UPSTREAM_AUTH' ? 'auth_error' : 'unavailable';
      return { outcome, code: err.code, result: errorResult(err.message, { code: err.code }) };
    }
    this.#logger.error({ err, server: server.spec.name, tool: req.name }, 'tool call failed unexpectedly');
    return { outcome: 'unavailable', code: 'ERR_INTERNAL', result: errorResult(`gateway ${gatewayName ?? 'unknown'}: the proxy could not forward this call`, { code: 'ERR_INTERNAL' }) };
  }
}

/** Relays an upstream's request to the call's agent, or refuses it with the spec's error when the agent cannot be asked. */
function relayTo(req: ToolCallRequest): ClientRequestRelay {
  return async (request, signal) => {
    const send = req.request;
    if (!send) throw new JsonRpcError(-32601, `Method not found: this call came without an MCP session (POST /tools/invoke), so no agent can answer ${request.method}`);
    const refusal = refusalFor(request, req.clientCapabilities?.());
    if (refusal) throw refusal;
    return send(request, signal);
  };
}

/** An `isError` tool result the proxy itself produced; `_meta` carries the stable code. */
function errorResult(text: string, meta: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], isError: true, _meta: { 'dev.mcp-gitops/error': meta } };
}
