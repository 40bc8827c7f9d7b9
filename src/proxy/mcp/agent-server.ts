/**
 * The MCP server one agent session talks to: the SDK's low-level `Server`, serving a virtual
 * server's tools from the catalog and forwarding `tools/call`.
 *
 * The `tools/call` handler is installed with `Protocol.setRequestHandler`, skipping `Server`'s
 * result re-validation: results are the upstream's, passed through verbatim (and not parsed twice
 * on the hot path). The upstream's requests during a call (elicitation, sampling, roots) are sent
 * to the agent as requests related to the call (the SDK routes them to the call's stream).
 *
 * Declared to agents, exactly what is served: `tools` (with `listChanged`) and `logging` (the
 * upstream's log lines relayed per call, filtered by the session's `logging/setLevel`, see
 * `log-level.ts`). No resources, prompts or completions.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, LoggingLevelSchema, McpError, type LoggingLevel, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ProxyContext } from '../context.ts';
import type { AgentIdentity, ServerRegistration } from '../registry/types.ts';
import { mayAccess } from './agent-auth.ts';
import { RpcError } from './forward.ts';

const SERVER_INFO = { name: 'mcp-gitops', version: '0.1.0' };

/** Results of requests relayed to the agent pass through verbatim, as tool results do. */
const Verbatim = z.record(z.string(), z.unknown());

/**
 * How long the proxy waits for the agent to answer a relayed request (a person may be filling in an
 * elicitation form). The call's own end (result, cancellation, deadline) aborts it sooner. 1 hour.
 */
const AGENT_REQUEST_TIMEOUT_MS = 60 * 60_000;

/** `logging/setLevel` with the level unchecked, so a wrong one gets `-32602` naming it (not a parse failure). */
const SetLevelLoose = z.looseObject({ method: z.literal('logging/setLevel'), params: z.looseObject({ level: z.unknown() }) });

/** Per-session state the agent's requests change and the fast path reads. */
export interface AgentSessionState {
  /** Set by `logging/setLevel`; undefined = relay every log line. */
  logLevel: LoggingLevel | undefined;
}

/** Where the session's caller identity comes from: `req.auth.extra.identity`, set by the endpoint. */
export function identityOf(extra: { authInfo?: { extra?: Record<string, unknown> } }, fallback: AgentIdentity): AgentIdentity {
  return (extra.authInfo?.extra?.identity as AgentIdentity | undefined) ?? fallback;
}

export function createAgentServer(ctx: ProxyContext, serverId: string, owner: AgentIdentity, transport: 'streamable-http' | 'sse', session: AgentSessionState = { logLevel: undefined }): Server {
  const mcp = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true }, logging: {} },
    instructions: undefined,
  });
  const current = (): ServerRegistration => {
    const s = ctx.store.servers.get(serverId);
    if (!s) throw new RpcError(-32001, `virtual server ${serverId} no longer exists`);
    return s;
  };

  mcp.setRequestHandler(ListToolsRequestSchema, async () => {
    const resolved = ctx.catalog.resolve(current());
    const tools: Tool[] = resolved.tools.map((e) => ({ ...e.tool, name: e.name }) as Tool);
    return { tools };
  });

  Protocol.prototype.setRequestHandler.call(mcp, SetLevelLoose as never, async (request: z.infer<typeof SetLevelLoose>) => {
    const level = LoggingLevelSchema.safeParse(request.params.level);
    if (!level.success) throw new McpError(ErrorCode.InvalidParams, `level: must be one of ${LoggingLevelSchema.options.join(', ')}`);
    session.logLevel = level.data;
    return {};
  });

  Protocol.prototype.setRequestHandler.call(mcp, CallToolRequestSchema, async (request, extra) => {
    const server = current();
    const identity = identityOf(extra as never, owner);
    if (!mayAccess(server.spec.access, identity)) throw new RpcError(-32003, `user ${identity.user} may not use virtual server ${server.spec.name}`);
    const params = request.params;
    return ctx.forwarder.call(server, params.name, params.arguments, {
      identity,
      transport,
      signal: extra.signal,
      ...(params._meta ? { meta: params._meta as Record<string, unknown> } : {}),
      notify: (n) => extra.sendNotification(n as never),
      clientCapabilities: () => mcp.getClientCapabilities(),
      request: (req, signal) => extra.sendRequest(req as never, Verbatim as never, { signal, timeout: AGENT_REQUEST_TIMEOUT_MS }) as Promise<Record<string, unknown>>,
      logLevel: () => session.logLevel,
    }) as never;
  });
  return mcp;
}
