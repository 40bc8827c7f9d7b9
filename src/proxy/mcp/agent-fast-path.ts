/**
 * The hot path of an agent session: a POST carrying one `tools/call` request (or the
 * `notifications/cancelled` for one) is served here, without the SDK server transport; every
 * other message goes to the SDK. Measured in test/bench/proxy.bench.ts: the SDK's Node adapter
 * (web-standard Request/Response conversion, an SSE stream per POST) was most of the proxy's CPU.
 *
 * Response shape (MCP Streamable HTTP allows either for a POSTed request): `application/json`
 * when the result is the first thing to send; `text/event-stream` as soon as a notification
 * (progress, logging) or a request to the agent (a relayed elicitation, sampling or roots request)
 * comes first, with the result as the last event. The agent's answers to those requests arrive as
 * POSTed JSON-RPC responses and are matched here (`AgentRequests`); everything else goes to the SDK.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ProxyContext } from '../context.ts';
import { toJsonRpcError } from '../jsonrpc-error.ts';
import { AgentRequests } from './agent-requests.ts';
import type { AgentSessionState } from './agent-server.ts';
import { requestIdentity } from './request-identity.ts';
import type { SessionEventStore } from './event-store.ts';
import { ResumableCall } from './resumable-call.ts';

type RequestId = string | number;

/** A call still answering JSON after this long switches to a resumable SSE stream (a priming event with an id). */
const PRIME_AFTER_MS = 500;

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

  if (msg.method !== 'tools/call' || (typeof msg.id !== 'string' && typeof msg.id !== 'number')) return false;
  const params = msg.params;
  if (!params || typeof params.name !== 'string' || (params.arguments !== undefined && (typeof params.arguments !== 'object' || params.arguments === null || Array.isArray(params.arguments)))) return false;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return false;

  const identity = requestIdentity(req);
  if (!identity) return false;
  const id = msg.id;
  let streaming = false;
  // Resumable (agents on 2025-11-25 or later, whose SDK handles a priming event): each SSE event is
  // stored with an id before it is written, and the call runs on when the POST's stream drops.
  // Created when the stream starts, so a call answered as JSON costs nothing here.
  const events = (version ?? '') >= '2025-11-25' ? state.events : undefined;
  let call: ResumableCall | undefined;
  const event = (text: string) => `event: message\ndata: ${text}\n\n`;
  const startStream = () => {
    streaming = true;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'mcp-session-id': sessionId });
    if (!events) return;
    call = new ResumableCall(events, events.newCallStream(id), res);
    state.calls.set(call.streamId, call);
    res.write(call.priming());
  };
  // A call that answers at once stays a plain JSON response; one that takes longer gets its resumable stream.
  const primer = events ? setTimeout(() => !streaming && !res.writableEnded && startStream(), PRIME_AFTER_MS).unref() : undefined;
  const write = (m: Record<string, unknown>) => {
    if (!streaming) {
      if (res.writableEnded) return;
      startStream();
    }
    if (call) call.send(JSON.stringify(m));
    else if (!res.writableEnded) res.write(event(JSON.stringify(m)));
  };
  const notify = (n: { method: string; params?: Record<string, unknown> }) => write({ jsonrpc: '2.0', method: n.method, ...(n.params ? { params: n.params } : {}) });
  const answer = (m: Record<string, unknown>) => {
    const text = JSON.stringify(m);
    if (streaming) {
      if (call) call.send(text, true);
      else if (!res.writableEnded) res.end(event(text));
      return;
    }
    if (res.writableEnded) return;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'mcp-session-id': sessionId });
    res.end(text);
  };

  /** A cancelled request gets no response (MCP cancellation): its stream just ends, as with the SDK. */
  const endWithoutAnswer = () => {
    if (call && streaming) return call.end();
    if (res.writableEnded) return;
    if (!streaming) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'mcp-session-id': sessionId });
    res.end();
  };

  const ac = new AbortController();
  state.inflight.set(id, ac);
  try {
    const result = await ctx.toolCalls.call({
      serverId,
      name: params.name,
      arguments: params.arguments as Record<string, unknown> | undefined,
      identity,
      transport: 'streamable-http',
      signal: ac.signal,
      ...(params._meta && typeof params._meta === 'object' ? { meta: params._meta as Record<string, unknown> } : {}),
      notify,
      clientCapabilities: state.clientCapabilities,
      request: (request, signal) => state.requests.send(write, request, signal),
      logLevel: () => state.session.logLevel,
    });
    if (ac.signal.aborted) endWithoutAnswer();
    else answer({ jsonrpc: '2.0', id, result });
  } catch (err) {
    if (ac.signal.aborted) {
      endWithoutAnswer();
    } else {
      answer({ jsonrpc: '2.0', id, error: toJsonRpcError(err).toJSON() });
    }
  } finally {
    state.inflight.delete(id);
    clearTimeout(primer);
    if (call) state.calls.delete(call.streamId);
  }
  return true;
}
