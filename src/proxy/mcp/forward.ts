/**
 * `tools/call` forwarding, shared by the MCP endpoints and `POST /tools/invoke`.
 *
 * Error mapping (docs/proxy.md):
 * - unknown tool name → JSON-RPC `-32602` "Unknown tool: <name>" (the MCP spec's answer).
 * - the upstream answered a JSON-RPC error → relayed with the same code, message and data.
 * - the upstream's result, `isError` or not, with structured content → returned verbatim.
 * - the call did not reach the upstream (down, disabled, timeout, refused credentials) → an
 *   `isError` result whose text names the gateway and the cause; for per-user OAuth without
 *   consent, the text carries the consent link — or, when the agent declared URL elicitation,
 *   JSON-RPC `-32042` (URLElicitationRequired) carrying it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.ts';
import type { Audit, CallOutcome } from '../observe/audit.ts';
import type { AgentIdentity, ServerRegistration } from '../registry/types.ts';
import { ConsentRequiredError, UpstreamAuthError } from '../upstream/credentials.ts';
import type { ClientCapabilities, LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcError } from '../jsonrpc-error.ts';
import { RelayedRequestError, type ClientRequestRelay } from '../upstream/client-requests.ts';
import { UpstreamFailure, UpstreamRpcError } from '../upstream/errors.ts';
import { refusalFor } from './agent-requests.ts';
import { logFilter } from './log-level.ts';
import type { UpstreamPool } from '../upstream/pool.ts';

/** A JSON-RPC error to answer the agent with (the SDK server relays `code`, `message`, `data`). */
export class RpcError extends JsonRpcError {
  override name = 'RpcError';
}

export interface ForwardContext {
  identity: AgentIdentity;
  transport: 'streamable-http' | 'sse' | 'invoke';
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

type ToolResult = Record<string, unknown>;

export class ToolForwarder {
  readonly #catalog: Catalog;
  readonly #pool: UpstreamPool;
  readonly #audit: Audit;
  readonly #logger: Logger;

  constructor(deps: { catalog: Catalog; pool: UpstreamPool; audit: Audit; logger: Logger }) {
    this.#catalog = deps.catalog;
    this.#pool = deps.pool;
    this.#audit = deps.audit;
    this.#logger = deps.logger;
  }

  /** Calls tool `name` of `server` with `args` as `ctx.identity`. See the module contract. */
  async call(server: ServerRegistration, name: string, args: Record<string, unknown> | undefined, ctx: ForwardContext): Promise<ToolResult> {
    const started = performance.now();
    const entry = this.#catalog.resolve(server).byName.get(name);
    const runtime = entry ? this.#pool.get(entry.gatewayId) : undefined;
    let outcome: CallOutcome = 'ok';
    let code: string | undefined;
    try {
      if (!entry || !runtime) {
        outcome = 'unknown_tool';
        throw new RpcError(-32602, `Unknown tool: ${name}`);
      }
      const { progressToken, ...meta } = ctx.meta ?? {};
      const notify = ctx.notify;
      const result = await runtime.callTool(
        ctx.identity,
        { name: entry.originalName, ...(args === undefined ? {} : { arguments: args }), ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}) },
        {
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(progressToken !== undefined && notify ? { onprogress: (p) => void notify({ method: 'notifications/progress', params: { ...p, progressToken } }) } : {}),
          ...(notify ? { onlog: logFilter(notify, ctx.logLevel) } : {}),
          onrequest: relayTo(ctx),
        },
      );
      if (result.isError === true) outcome = 'tool_error';
      return result;
    } catch (err) {
      if (ctx.signal?.aborted) {
        outcome = 'cancelled';
        throw err;
      }
      if (err instanceof RpcError) throw err;
      if (err instanceof UpstreamRpcError) {
        outcome = 'rpc_error';
        code = String(err.code);
        throw new RpcError(err.code, err.message, err.data);
      }
      if (err instanceof ConsentRequiredError) {
        outcome = 'consent_required';
        code = err.code;
        const gateway = runtime?.registration.spec.name ?? err.gatewayId;
        if ((ctx.clientCapabilities?.()?.elicitation as { url?: object } | undefined)?.url) {
          // MCP URL elicitation (2025-11-25): the client shows the link and the user retries.
          const message = `Connect your account for ${gateway}: approve access, then retry.`;
          throw new RpcError(-32042, `Authorization required for gateway ${gateway}`, { elicitations: [{ mode: 'url', elicitationId: randomUUID(), url: err.consentUrl, message }] });
        }
        return errorResult(`Authorization required: gateway ${gateway} needs your consent before its tools can act for you. Open ${err.consentUrl} , approve access, then retry this call.`, { code: err.code, consentUrl: err.consentUrl });
      }
      if (err instanceof UpstreamAuthError) {
        outcome = 'auth_error';
        code = err.code;
        return errorResult(err.message, { code: err.code });
      }
      if (err instanceof UpstreamFailure) {
        outcome = err.code === 'ERR_UPSTREAM_TIMEOUT' ? 'timeout' : err.code === 'ERR_UPSTREAM_AUTH' ? 'auth_error' : 'unavailable';
        code = err.code;
        return errorResult(err.message, { code: err.code });
      }
      outcome = 'unavailable';
      code = 'ERR_INTERNAL';
      this.#logger.error({ err, server: server.spec.name, tool: name }, 'tool call failed unexpectedly');
      return errorResult(`gateway ${runtime?.registration.spec.name ?? 'unknown'}: the proxy could not forward this call`, { code: 'ERR_INTERNAL' });
    } finally {
      this.#audit.record({
        user: ctx.identity.user,
        serverId: server.id,
        server: server.spec.name,
        gatewayId: entry?.gatewayId,
        gateway: runtime?.registration.spec.name,
        tool: name,
        upstreamTool: entry?.originalName,
        outcome,
        ...(code === undefined ? {} : { code }),
        durationMs: performance.now() - started,
        transport: ctx.transport,
      });
    }
  }
}

/** Relays an upstream's request to the call's agent, or refuses it with the spec's error when the agent cannot be asked. */
function relayTo(ctx: ForwardContext): ClientRequestRelay {
  return async (request, signal) => {
    const send = ctx.request;
    if (!send) throw new RelayedRequestError(-32601, `Method not found: this call came without an MCP session (POST /tools/invoke), so no agent can answer ${request.method}`);
    const refusal = refusalFor(request, ctx.clientCapabilities?.());
    if (refusal) throw refusal;
    return send(request, signal);
  };
}

/** An `isError` tool result the proxy itself produced; `_meta` carries the stable code. */
function errorResult(text: string, meta: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], isError: true, _meta: { 'dev.mcp-gitops/error': meta } };
}
