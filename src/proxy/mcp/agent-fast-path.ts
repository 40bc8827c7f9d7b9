/**
 * The hot path of an agent session: a POST carrying one `tools/call` request (or the
 * `notifications/cancelled` for one) is served here, without the SDK server transport; every
 * other message goes to the SDK. Measured in test/bench/proxy.bench.ts: the SDK's Node adapter
 * (web-standard Request/Response conversion, an SSE stream per POST) was most of the proxy's CPU.
 *
 * The response's shape (JSON, or an SSE stream that may be resumable) is `call-response.ts`'s.
 * The agent's answers to requests relayed to it (elicitation, sampling, roots) arrive as POSTed
 * JSON-RPC responses and are matched here (`AgentRequests`); everything else goes to the SDK.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ProxyContext } from '../context.ts';
import { toJsonRpcError } from '../jsonrpc-error.ts';
import { AgentRequests } from './agent-requests.ts';
import type { AgentSessionState } from './agent-server.ts';
import { requestIdentity } from './request-identity.ts';
import type { SessionEventStore } from './event-store.ts';
import { CallResponse } from './call-response.ts';
import type { ResumableCall } from './resumable-call.ts';

type RequestId = string | number;

/** Per-session state of the fast path: its calls in flight (for cancellation), its requests to the agent. */
export class AgentFastPathState {
  readonly inflight = new Map<RequestId, AbortController>();
  /** The session's event store (resumability, event-store.ts); undefined = streams are not resumable. */
  events: SessionEventStore | undefined;
  /** Resumable call streams in flight, by stream id (resume.ts attaches a resuming GET to one). */
  readonly calls = new Map<string, ResumableCall>();
  /** Relayed requests awaiting the agent's answer. */
  readonly requests = new AgentRequests();
  /** The agent's capabilities from `initialize`. */
  readonly clientCapabilities: () => ClientCapabilities | undefined;
  /** State shared with the session's SDK server (its `logging/setLevel`). */
  readonly session: AgentSessionState;
  constructor(clientCapabilities: () => ClientCapabilities | undefined, session: AgentSessionState) {
    this.clientCapabilities = clientCapabilities;
    this.session = session;
  }
}

interface JsonRpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  result?: unknown;
  error?: unknown;
  params?: { name?: unknown; arguments?: unknown; _meta?: unknown; requestId?: unknown; reason?: unknown };
}

/**
 * Serves `body` when it is a single `tools/call` request or a cancellation of one in flight here.
 * Resolves false (nothing written) for anything else, which the caller hands to the SDK transport.
 */
export async function tryAgentFastPath(ctx: ProxyContext, state: AgentFastPathState, serverId: string, sessionId: string, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<boolean> {
  if (req.method !== 'POST' || body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const msg = body as JsonRpcMessage;
  if (msg.jsonrpc !== '2.0') return false;

  if (msg.method === undefined && ('result' in msg || 'error' in msg)) {
    // The agent answering a request relayed to it; a response to anything else is the SDK's.
    if (!state.requests.settle(msg)) return false;
    res.writeHead(202).end();
    return true;
  }

  if (msg.method === 'notifications/cancelled' && msg.id === undefined) {
    const target = msg.params?.requestId;
    const ac = typeof target === 'string' || typeof target === 'number' ? state.inflight.get(target) : undefined;
    if (!ac) return false;
    ac.abort(msg.params?.reason ?? 'cancelled by the agent');
    res.writeHead(202).end();
    return true;
  }

  const call = toolCallOf(req, msg);
  if (!call) return false;
  const identity = requestIdentity(req);
  if (!identity) return false;
  const { id, params } = call;
  // Resumable streams for agents on 2025-11-25 or later (their SDK handles a priming event).
  const response = new CallResponse(res, sessionId, id, (call.version ?? '') >= '2025-11-25' ? state.events : undefined, state.calls);
  const write = (m: Record<string, unknown>) => response.write(m);
  const notify = (n: { method: string; params?: Record<string, unknown> }) => write({ jsonrpc: '2.0', method: n.method, ...(n.params ? { params: n.params } : {}) });

  const ac = new AbortController();
  state.inflight.set(id, ac);
  try {
    const result = await ctx.toolCalls.call({
      serverId,
      name: params.name,
      arguments: params.arguments,
      identity,
      transport: 'streamable-http',
      signal: ac.signal,
      ...(params._meta && typeof params._meta === 'object' ? { meta: params._meta as Record<string, unknown> } : {}),
      notify,
      clientCapabilities: state.clientCapabilities,
      request: (request, signal) => state.requests.send(write, request, signal),
      logLevel: () => state.session.logLevel,
    });
    if (ac.signal.aborted) response.endWithoutAnswer();
    else response.answer({ jsonrpc: '2.0', id, result });
  } catch (err) {
    if (ac.signal.aborted) response.endWithoutAnswer();
    else response.answer({ jsonrpc: '2.0', id, error: toJsonRpcError(err).toJSON() });
  } finally {
    state.inflight.delete(id);
    response.close();
  }
  return true;
}

interface FastToolCall {
  id: RequestId;
  params: { name: string; arguments?: Record<string, unknown>; _meta?: unknown };
  /** The request's `MCP-Protocol-Version`, when sent. */
  version: string | undefined;
}

/**
 * `msg` as a `tools/call` the fast path serves: a well-formed request from an agent that accepts
 * both response shapes, on a protocol version this proxy speaks. Anything else: undefined (the SDK
 * serves it, and answers malformed requests as the spec says).
 */
function toolCallOf(req: IncomingMessage, msg: JsonRpcMessage): FastToolCall | undefined {
  if (msg.method !== 'tools/call' || (typeof msg.id !== 'string' && typeof msg.id !== 'number')) return undefined;
  const params = msg.params;
  if (!params || typeof params.name !== 'string' || (params.arguments !== undefined && (typeof params.arguments !== 'object' || params.arguments === null || Array.isArray(params.arguments)))) return undefined;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return undefined;
  return { id: msg.id, params: params as FastToolCall['params'], version: version as string | undefined };
}
