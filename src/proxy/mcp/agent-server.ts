/**
 * The MCP server one agent session talks to: the SDK's low-level `Server`, serving a virtual
 * server's catalog — tools (`tools/call` to the tool-call core, `tool-call.ts`), prompts,
 * resources and completions (`prompt-requests.ts`, `resource-requests.ts`,
 * `completion-requests.ts`, through the catalog-request core) — with paginated lists
 * (`list-pages.ts`).
 *
 * `tools/call` and `logging/setLevel` are installed with `setRawRequestHandler` (see
 * `sdk-raw-handler.ts`): results are the upstream's, passed through verbatim. The upstream's
 * requests during a call (elicitation, sampling, roots) are sent to the agent as requests related
 * to the call (the SDK routes them to the call's stream).
 *
 * Declared to agents (`agent-offer.ts`), exactly what is served: `tools` (with `listChanged`),
 * `logging` (the upstream's log lines relayed per call, filtered by the session's
 * `logging/setLevel`, see `log-level.ts`), and `prompts`, `resources` (with `subscribe` when an
 * upstream offers it) and `completions` as the selected upstreams declare them; `instructions`:
 * the server's description and the selected upstreams' own, each labelled with its gateway.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, LoggingLevelSchema, McpError, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ProxyContext } from '../context.ts';
import type { AgentIdentity } from '../registry/types.ts';
import { agentOffer, PROXY_CAPABILITIES, type AgentOffer } from './agent-offer.ts';
import { installList, type AgentScope } from './catalog-handlers.ts';
import { NO_LOCAL_VALIDATION } from './no-local-validation.ts';
import { installCompletionRequests } from './completion-requests.ts';
import { installPromptRequests } from './prompt-requests.ts';
import { handlerIdentity } from './request-identity.ts';
import { installResourceRequests } from './resource-requests.ts';
import type { ResourceSubscriber } from './resource-subscriptions.ts';
import { setRawRequestHandler } from './sdk-raw-handler.ts';
import { TOOLS } from './served-lists.ts';
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

/** What an agent session may bring to its server instead of the defaults. */
export interface AgentServerParts {
  /** State the session keeps across rebuilds of its server (default: a fresh one). */
  session?: AgentSessionState;
  /** What the session declared at `initialize`, so a rebuilt server keeps it (default: what the server offers now). */
  offer?: AgentOffer;
  /** Who is told of `resources/updated` (default: this server, on its standalone stream). */
  subscriber?: ResourceSubscriber;
}

export function createAgentServer(ctx: ProxyContext, serverId: string, owner: AgentIdentity, transport: Exclude<CallTransport, 'invoke'>, parts: AgentServerParts = {}): Server {
  const offer = parts.offer ?? offerOf(ctx, serverId);
  const session = parts.session ?? { logLevel: undefined };
  const mcp = new Server(SERVER_INFO, { ...offer, jsonSchemaValidator: NO_LOCAL_VALIDATION });
  const scope: AgentScope = { ctx, mcp, serverId, owner, transport };

  installList(scope, TOOLS);
  installPromptRequests(scope, offer.capabilities.prompts);
  // The agent's stream may be gone: it reads the resource again when it reconnects.
  const subscriber: ResourceSubscriber = parts.subscriber ?? { resourceUpdated: (uri) => void mcp.sendResourceUpdated({ uri }).catch(() => {}) };
  installResourceRequests(scope, offer.capabilities.resources, subscriber);
  installCompletionRequests(scope, offer.capabilities.completions);
  mcp.onclose = () => ctx.resourceSubscriptions.closed(subscriber);

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

/** What the session's server offers now; only the proxy's own capabilities when the server is gone. */
export function offerOf(ctx: ProxyContext, serverId: string): AgentOffer {
  const server = ctx.store.servers.get(serverId);
  if (!server) return { capabilities: PROXY_CAPABILITIES, instructions: undefined };
  return agentOffer(server, ctx.catalog.resolve(server), (id) => {
    const runtime = ctx.pool.get(id);
    return runtime && { name: runtime.registration.spec.name, capabilities: runtime.offer.capabilities, instructions: runtime.offer.instructions };
  });
}

/** Tells the agent of `mcp` that one of its server's lists changed (when it declared that kind). */
export function announceListChanged(mcp: Server, list: 'tools' | 'prompts' | 'resources'): void {
  const sent = list === 'tools' ? mcp.sendToolListChanged() : list === 'prompts' ? mcp.sendPromptListChanged() : mcp.sendResourceListChanged();
  void sent.catch(() => {}); // the agent's stream may be gone: it lists again when it reconnects
}
