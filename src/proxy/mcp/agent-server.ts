/**
 * The MCP server one agent session talks to: the SDK's low-level `Server`, serving a virtual
 * server's tools from the catalog and handing `tools/call` to the tool-call core (`tool-call.ts`).
 *
 * `tools/call` and `logging/setLevel` are installed with `setRawRequestHandler` (see
 * `sdk-raw-handler.ts`): results are the upstream's, passed through verbatim. The upstream's
 * requests during a call (elicitation, sampling, roots) are sent to the agent as requests related
 * to the call (the SDK routes them to the call's stream).
 *
 * Declared to agents, exactly what is served: `tools` (with `listChanged`) and `logging` (the
 * upstream's log lines relayed per call, filtered by the session's `logging/setLevel`, see
 * `log-level.ts`). No resources, prompts or completions.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, LoggingLevelSchema, McpError, type LoggingLevel, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ProxyContext } from '../context.ts';
import { toJsonRpcError } from '../jsonrpc-error.ts';
import type { AgentIdentity } from '../registry/types.ts';
import { handlerIdentity } from './request-identity.ts';
import { setRawRequestHandler } from './sdk-raw-handler.ts';
import type { CallTransport } from './tool-call.ts';

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

export function createAgentServer(ctx: ProxyContext, serverId: string, owner: AgentIdentity, transport: Exclude<CallTransport, 'invoke'>, session: AgentSessionState = { logLevel: undefined }): Server {
  const mcp = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true }, logging: {} },
    instructions: undefined,
  });

  mcp.setRequestHandler(ListToolsRequestSchema, async () => {
    let server;
    try {
      server = ctx.toolCalls.server(serverId);
    } catch (err) {
      throw toJsonRpcError(err);
    }
    const tools: Tool[] = ctx.catalog.resolve(server).tools.map((e) => ({ ...e.tool, name: e.name }) as Tool);
    return { tools };
  });

  setRawRequestHandler(mcp, SetLevelLoose, async (request) => {
    const level = LoggingLevelSchema.safeParse(request.params.level);
    if (!level.success) throw new McpError(ErrorCode.InvalidParams, `level: must be one of ${LoggingLevelSchema.options.join(', ')}`);
    session.logLevel = level.data;
    return {};
  });

  setRawRequestHandler(mcp, CallToolRequestSchema, (request, extra) => {
    const params = request.params;
    return ctx.toolCalls.call({
      serverId,
      name: params.name,
      arguments: params.arguments,
      identity: handlerIdentity(extra, owner),
      transport,
      signal: extra.signal,
      ...(params._meta ? { meta: params._meta as Record<string, unknown> } : {}),
      notify: (n) => extra.sendNotification(n as never),
      clientCapabilities: () => mcp.getClientCapabilities(),
      request: (req, signal) => extra.sendRequest(req as never, Verbatim as never, { signal, timeout: AGENT_REQUEST_TIMEOUT_MS }) as Promise<Record<string, unknown>>,
      logLevel: () => session.logLevel,
    });
  });
  return mcp;
}
