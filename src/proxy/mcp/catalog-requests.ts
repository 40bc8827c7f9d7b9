/**
 * The core of the requests an agent makes of a virtual server that go to one gateway and are not
 * tool calls: `prompts/get`, `resources/read`, `resources/subscribe|unsubscribe` and
 * `completion/complete` (the handlers in `prompt-requests.ts`, `resource-requests.ts`,
 * `completion-requests.ts` only read their params and say how to route them).
 *
 * The same steps as the tool-call core (`tool-call.ts`), in this order: the virtual server still
 * exists, the caller is on its access list, the item is served (routing names the gateway and the
 * params as the upstream reads them), then the request goes upstream as the caller (a per-user OAuth
 * gateway: the caller's own upstream session). Every request that names an existing server is
 * audited once (`mcp_request` log line, `mcp_gitops_requests_total`), with its outcome.
 *
 * Outcome:
 * - the server was deleted → `ERR_SERVER_GONE` (`-32001`); not on the access list → `ERR_FORBIDDEN`
 *   (`-32003`); an unknown prompt → `ERR_UNKNOWN_PROMPT` (`-32602`); an unknown or ambiguous resource
 *   → `ERR_UNKNOWN_RESOURCE` (`-32002`).
 * - the upstream answered a JSON-RPC error → the same code, message and data.
 * - the upstream's result → verbatim. The agent's progress token is replaced by the hop's own and
 *   the upstream's progress comes back under the agent's.
 * - the request did not reach the upstream (down, disabled, timeout, refused credentials) → `-32603`
 *   whose message names the gateway and the cause; `data["dev.mcp-gitops/error"].code` is the stable
 *   code (as in a tool call's `isError` result). Consent needed: `-32042` with the consent link when
 *   the agent declared URL elicitation, else `-32603` whose message carries the link.
 * - the caller cancelled (`signal` aborted) → rejects with the abort reason.
 */
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Catalog, ResolvedCatalogServer } from '../catalog/catalog.ts';
import { ProxyError } from '../errors.ts';
import { JsonRpcError } from '../jsonrpc-error.ts';
import type { Audit, RequestOutcome } from '../observe/audit.ts';
import type { AgentIdentity } from '../registry/types.ts';
import { ConsentRequiredError, UpstreamAuthError } from '../upstream/credentials.ts';
import { UpstreamFailure } from '../upstream/errors.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { CallOptions, UpstreamSession } from '../upstream/session.ts';
import { mayAccess } from './agent-auth.ts';
import { acceptsUrlElicitation, urlElicitationRequired } from './consent-elicitation.ts';
import type { ToolCalls } from './tool-call.ts';

/** Where a request goes: the gateway that owns what it names, and the params as that gateway reads them. */
export interface Routed {
  gatewayId: string;
  params: Record<string, unknown>;
  /** The upstream's name for what was named (a renamed prompt's original name). */
  upstreamName?: string;
}

export interface CatalogRequest {
  serverId: string;
  identity: AgentIdentity;
  transport: 'streamable-http' | 'sse';
  method: string;
  /** What the request names as served (prompt name, resource URI or template), for the audit. */
  name: string;
  /** The gateway and upstream params; throws `ERR_UNKNOWN_PROMPT` / `ERR_UNKNOWN_RESOURCE` when the server serves no such item. */
  route(served: ResolvedCatalogServer): Routed;
  signal?: AbortSignal;
  /** Sends a notification (progress) to the agent, related to this request. */
  notify?: (n: { method: string; params?: Record<string, unknown> }) => Promise<void> | void;
  clientCapabilities?: () => ClientCapabilities | undefined;
  /** Sends the routed request on the caller's upstream session. Defaults to forwarding `method` with the routed params. */
  exchange?: (session: UpstreamSession, routed: Routed, options: CallOptions) => Promise<Record<string, unknown>>;
}

export class CatalogRequests {
  readonly #toolCalls: ToolCalls;
  readonly #catalog: Catalog;
  readonly #pool: UpstreamPool;
  readonly #audit: Audit;
  readonly #logger: Logger;

  constructor(deps: { toolCalls: ToolCalls; catalog: Catalog; pool: UpstreamPool; audit: Audit; logger: Logger }) {
    this.#toolCalls = deps.toolCalls;
    this.#catalog = deps.catalog;
    this.#pool = deps.pool;
    this.#audit = deps.audit;
    this.#logger = deps.logger;
  }

  /** Routes and forwards the request. See the module contract for what it resolves and throws. */
  async forward(req: CatalogRequest): Promise<Record<string, unknown>> {
    const server = this.#toolCalls.server(req.serverId);
    const started = performance.now();
    let routed: Routed | undefined;
    let gateway: string | undefined;
    let outcome: RequestOutcome = 'ok';
    let code: string | undefined;
    try {
      if (!mayAccess(server.spec.access, req.identity)) {
        outcome = 'forbidden';
        throw new ProxyError('ERR_FORBIDDEN', `user ${req.identity.user} may not use virtual server ${server.spec.name}`);
      }
      try {
        routed = req.route(this.#catalog.resolve(server));
      } catch (err) {
        outcome = 'unknown_name';
        throw err;
      }
      const runtime = this.#pool.get(routed.gatewayId);
      if (!runtime) {
        outcome = 'unknown_name';
        throw new ProxyError('ERR_UNKNOWN_RESOURCE', `${req.name.slice(0, 200)}: its gateway was removed`);
      }
      gateway = runtime.registration.spec.name;
      const session = runtime.requestSession(req.identity);
      const options = this.#options(req, routed, runtime.callTimeoutMs);
      return await (req.exchange ? req.exchange(session, routed, options) : session.send(req.method, routed.params, options));
    } catch (err) {
      if (err instanceof ProxyError) throw err;
      if (req.signal?.aborted) {
        outcome = 'cancelled';
        throw err;
      }
      const failed = this.#failed(err, req, gateway);
      outcome = failed.outcome;
      code = failed.code;
      throw failed.error;
    } finally {
      this.#audit.request({
        user: req.identity.user,
        serverId: server.id,
        server: server.spec.name,
        gatewayId: routed?.gatewayId,
        gateway,
        method: req.method,
        name: req.name.slice(0, 200),
        upstreamName: routed?.upstreamName,
        outcome,
        ...(code === undefined ? {} : { code }),
        durationMs: performance.now() - started,
        transport: req.transport,
      });
    }
  }

  /** The upstream hop's options: the caller's signal, and its progress token swapped for the hop's own. */
  #options(req: CatalogRequest, routed: Routed, timeoutMs: number): CallOptions {
    const meta = routed.params._meta as Record<string, unknown> | undefined;
    const options: CallOptions = { timeoutMs, ...(req.signal ? { signal: req.signal } : {}) };
    if (meta?.progressToken === undefined) return options;
    const { progressToken, ...rest } = meta;
    const { _meta: _, ...params } = routed.params;
    routed.params = Object.keys(rest).length > 0 ? { ...params, _meta: rest } : params;
    const notify = req.notify;
    if (notify) options.onprogress = (p) => void notify({ method: 'notifications/progress', params: { ...p, progressToken } });
    return options;
  }

  /** The JSON-RPC error a request that got no upstream result answers, and how it is audited. */
  #failed(err: unknown, req: CatalogRequest, gateway: string | undefined): { outcome: RequestOutcome; code: string; error: JsonRpcError } {
    if (err instanceof JsonRpcError) return { outcome: 'rpc_error', code: String(err.code), error: err };
    const coded = (outcome: RequestOutcome, code: string, message: string, extra: Record<string, unknown> = {}) => ({ outcome, code, error: new JsonRpcError(-32603, message, { 'dev.mcp-gitops/error': { code, ...extra } }) });
    if (err instanceof ConsentRequiredError) {
      const name = gateway ?? err.gatewayId;
      if (acceptsUrlElicitation(req.clientCapabilities?.())) return { outcome: 'consent_required', code: err.code, error: urlElicitationRequired(name, err.consentUrl) };
      return coded('consent_required', err.code, `Authorization required: gateway ${name} needs your consent before it can answer for you. Open ${err.consentUrl} , approve access, then retry.`, { consentUrl: err.consentUrl });
    }
    if (err instanceof UpstreamAuthError) return coded('auth_error', err.code, err.message);
    if (err instanceof UpstreamFailure) return coded(err.code === 'ERR_UPSTREAM_TIMEOUT' ? 'timeout' : err.code === 'ERR_UPSTREAM_AUTH' ? 'auth_error' : 'unavailable', err.code, err.message);
    this.#logger.error({ err, method: req.method, gateway }, 'request failed unexpectedly');
    return coded('unavailable', 'ERR_INTERNAL', `gateway ${gateway ?? 'unknown'}: the proxy could not forward this request`);
  }
}
