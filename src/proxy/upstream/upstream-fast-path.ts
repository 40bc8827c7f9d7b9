/**
 * The hot path to an upstream: `tools/call` — and the health check's `ping`, 10,000 of them every
 * 30 s at 10,000 gateways — on an established Streamable HTTP session as one undici request, without
 * the SDK client's fetch/web-streams stack. The SDK client still owns the session (initialize, GET
 * stream, tools/list); this shares its session id and protocol version and uses string request ids
 * (`p<n>`) that cannot collide with the SDK's numeric ones.
 *
 * Everything on the request's SSE response belongs to this call, so progress and logging
 * notifications, and the upstream's own requests to its client (elicitation, sampling, roots),
 * reach the right agent request without guessing. Those requests are relayed through
 * `options.onrequest` and answered with a POST to the session; the upstream cancelling one, or the
 * call ending, aborts its relay (and nothing is answered).
 *
 * The SSE answer is read to the SSE standard (`sse-answer.ts`). A stream that ends before the
 * answer after an event id (the 2025-11-25 polling pattern: the server closes it and expects the
 * client to come back) is resumed with `GET` + `Last-Event-ID` after the server's `retry`. One that
 * ends with nothing to resume from fails this call only (`ERR_UPSTREAM_STREAM_ENDED`): the session
 * and the gateway stay up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { JsonRpcError, toJsonRpcError } from '../jsonrpc-error.ts';
import { RELAYED_METHODS, RELAY_FAILED, type ClientRequestRelay } from './client-requests.ts';
import { UpstreamFailure } from './errors.ts';
import { dispatcher, type LogSink } from './fetch.ts';
import { readSseAnswer, type SseCursor, type SseMessage } from './sse-answer.ts';

/** A non-2xx answer of the upstream's MCP endpoint. `code` is the HTTP status (as the SDK's errors). */
export class UpstreamHttpError extends Error {
  override name = 'UpstreamHttpError';
  readonly code: number;
  constructor(status: number, message: string) {
    super(message);
    this.code = status;
  }
}

export interface FastCallTarget {
  url: string;
  gatewayName: string;
  sessionId: string | undefined;
  protocolVersion: string | undefined;
  headers: Record<string, string>;
}

export interface FastCallOptions {
  signal?: AbortSignal;
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void;
  onlog?: LogSink;
  /** Relays the upstream's requests to its client; without it they are answered `-32601`. */
  onrequest?: ClientRequestRelay;
  /** Deadline without activity, ms: for the response headers, then between chunks of the stream (progress, logs). */
  timeoutMs: number;
}

let seq = 0;

/** POSTs one request (`tools/call`, `ping`); resolves the upstream's result verbatim. See the module contract. */
export async function fastRequest(target: FastCallTarget, method: 'tools/call' | 'ping', params: Record<string, unknown> | undefined, options: FastCallOptions): Promise<Record<string, unknown>> {
  const id = `p${++seq}`;
  const meta = (params?._meta as Record<string, unknown> | undefined) ?? undefined;
  const withToken = options.onprogress ? { ...params, _meta: { ...meta, progressToken: id } } : params;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...target.headers,
  };
  if (target.sessionId) headers['mcp-session-id'] = target.sessionId;
  if (target.protocolVersion) headers['mcp-protocol-version'] = target.protocolVersion;

  // The agent's signal aborts the request; the deadline without progress is undici's own
  // headers/body timeouts (progress arrives as body chunks), so no timer or controller per call.
  const signal = options.signal;
  /** Upstream requests being relayed, by the upstream's request id (the map is created on the first one). */
  const inflight: RelaysInFlight = {};
  try {
    const res = await request(target.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(withToken === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: withToken }),
      dispatcher,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(signal ? { signal } : {}),
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await res.body.text().catch(() => ''); // the body only enriches the error; the status is the error
      throw new UpstreamHttpError(res.statusCode, `HTTP ${res.statusCode} from the upstream: ${text.slice(0, 200)}`);
    }
    const type = String(res.headers['content-type'] ?? '');
    if (type.startsWith('application/json')) return settleAnswer((await res.body.json()) as Record<string, unknown>);
    if (!type.startsWith('text/event-stream')) {
      await res.body.dump();
      throw new UpstreamHttpError(502, `unexpected content-type "${type.slice(0, 100)}" from the upstream`);
    }
    return await readStreamedAnswer(target, headers, method, id, res.body, options, inflight);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      cancelUpstream(target, headers, id, 'timeout');
      throw new UpstreamFailure('ERR_UPSTREAM_TIMEOUT', target.gatewayName, `gateway ${target.gatewayName}: no answer to ${method} within ${options.timeoutMs} ms`);
    }
    if (signal?.aborted) cancelUpstream(target, headers, id, String(signal.reason ?? 'cancelled'));
    throw err;
  } finally {
    // The call is over: relays still waiting on the agent are moot.
    if (inflight.relays) for (const ac of inflight.relays.values()) ac.abort('the tool call ended');
  }

}

/** The answer as the result; a JSON-RPC error answer thrown as `JsonRpcError`. */
function settleAnswer(msg: Record<string, unknown>): Record<string, unknown> {
  if ('error' in msg) {
    const e = msg.error as { code?: unknown; message?: unknown; data?: unknown };
    throw new JsonRpcError(typeof e.code === 'number' ? e.code : -32603, typeof e.message === 'string' ? e.message : 'upstream error', e.data);
  }
  return msg.result as Record<string, unknown>;
}

/**
 * Reads call `id`'s SSE response to its answer: progress and log notifications go to `options`,
 * the upstream's requests are relayed (into `inflight`, the caller's, which aborts them when the
 * call ends). A stream that ends before
 * the answer is resumed as the spec's client does (GET with Last-Event-ID after `retry`), as long
 * as resumed streams keep delivering events; see the module contract for when it gives up.
 */
async function readStreamedAnswer(
  target: FastCallTarget,
  headers: Record<string, string>,
  method: string,
  id: string,
  body: Dispatcher.ResponseData['body'],
  options: FastCallOptions,
  inflight: RelaysInFlight,
): Promise<Record<string, unknown>> {
  const signal = options.signal;
  const cursor: SseCursor = { lastEventId: undefined, retryMs: undefined };
  const onMessage = (msg: SseMessage): Record<string, unknown> | undefined => {
    if (msg.id === id && ('result' in msg || 'error' in msg)) return settleAnswer(msg);
    if (typeof msg.method === 'string' && msg.id !== undefined && msg.id !== null) {
      inflight.relays = relayRequest(target, headers, msg as RequestMessage, options.onrequest, inflight.relays);
    } else if (msg.method === 'notifications/progress' && msg.params?.progressToken === id) {
      const { progressToken: _t, ...p } = msg.params;
      options.onprogress?.(p as { progress: number });
    } else if (msg.method === 'notifications/message' || msg.method === 'notifications/elicitation/complete') {
      options.onlog?.(msg as { method: string; params?: Record<string, unknown> });
    } else if (msg.method === 'notifications/cancelled' && inflight.relays) {
      const requestId = msg.params?.requestId;
      inflight.relays.get(requestId as string | number)?.abort(msg.params?.reason ?? 'cancelled by the upstream');
    }
    return undefined;
  };
  let answer = await readSseAnswer(body, cursor, onMessage);
  // The stream ended before the answer: resume it as the spec's client does (GET with
  // Last-Event-ID after `retry`), as long as resumed streams keep delivering events.
  let fruitless = 0;
  while (answer === undefined) {
    if (cursor.lastEventId === undefined) throw streamEnded(target, method, 'without an event id to resume from');
    if (++fruitless > MAX_FRUITLESS_RESUMES) throw streamEnded(target, method, `and ${MAX_FRUITLESS_RESUMES} resumptions with Last-Event-ID brought nothing new`);
    await sleep(cursor.retryMs ?? DEFAULT_RETRY_MS, undefined, signal ? { signal } : {});
    const from = cursor.lastEventId;
    const resumed = await request(target.url, {
      method: 'GET',
      headers: { ...resumeHeaders(headers), 'last-event-id': from },
      dispatcher,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(signal ? { signal } : {}),
    });
    if (resumed.statusCode !== 200 || !String(resumed.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      await resumed.body.dump();
      throw streamEnded(target, method, `and resuming it with Last-Event-ID was refused (HTTP ${resumed.statusCode})`);
    }
    answer = await readSseAnswer(resumed.body, cursor, onMessage);
    if (cursor.lastEventId !== from) fruitless = 0;
  }
  return answer;
}

/** Reconnection time when the upstream sent no `retry` (the SDK client's initial reconnection delay). */
const DEFAULT_RETRY_MS = 1000;
/** Resumptions in a row that may bring no new event before the call fails. */
const MAX_FRUITLESS_RESUMES = 3;

/** The call failed because its stream ended early: that call only; the gateway stays up. */
function streamEnded(target: FastCallTarget, method: string, how: string): UpstreamFailure {
  return new UpstreamFailure('ERR_UPSTREAM_STREAM_ENDED', target.gatewayName, `gateway ${target.gatewayName}: the upstream ended the ${method} stream before answering, ${how}`);
}

/** The session's headers for a GET (no body, so no content-type; SSE only). */
function resumeHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _c, ...rest } = headers;
  return { ...rest, accept: 'text/event-stream' };
}

/** The upstream's requests being relayed to the agent, by the upstream's request id. */
interface RelaysInFlight {
  relays?: Map<string | number, AbortController>;
}

type RequestMessage = { id: string | number; method: string; params?: Record<string, unknown> };

/**
 * Relays one upstream request through `relay` and POSTs the answer back: the agent's result, or
 * a JSON-RPC error (the agent's, or the refusal). `ping` is answered by the proxy; a method it does
 * not relay, or no relay: `-32601`, as a client without the capability answers. Returns the map of relays in flight (created when needed).
 */
function relayRequest(target: FastCallTarget, headers: Record<string, string>, msg: RequestMessage, relay: ClientRequestRelay | undefined, relays: Map<string | number, AbortController> | undefined): Map<string | number, AbortController> | undefined {
  if (msg.method === 'ping') {
    answerUpstream(target, headers, { jsonrpc: '2.0', id: msg.id, result: {} });
    return relays;
  }
  if (!relay || !RELAYED_METHODS.has(msg.method)) {
    answerUpstream(target, headers, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `Method not found: mcp-gitops does not relay ${msg.method.slice(0, 100)} here` } });
    return relays;
  }
  const map = relays ?? new Map<string | number, AbortController>();
  const ac = new AbortController();
  map.set(msg.id, ac);
  relay({ method: msg.method, ...(msg.params ? { params: msg.params } : {}) }, ac.signal).then(
    (result) => {
      if (!ac.signal.aborted) answerUpstream(target, headers, { jsonrpc: '2.0', id: msg.id, result });
    },
    (err: unknown) => {
      if (!ac.signal.aborted) answerUpstream(target, headers, { jsonrpc: '2.0', id: msg.id, error: toJsonRpcError(err, RELAY_FAILED).toJSON() });
    },
  ).finally(() => map.delete(msg.id));
  return map;
}

/** Tells the upstream to stop working on `id` (MCP `notifications/cancelled`). Fire and forget. */
function cancelUpstream(target: FastCallTarget, headers: Record<string, string>, id: string, reason: string): void {
  answerUpstream(target, headers, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
}

/** POSTs one message to the upstream session. Fire and forget. */
function answerUpstream(target: FastCallTarget, headers: Record<string, string>, message: Record<string, unknown>): void {
  request(target.url, { method: 'POST', headers, body: JSON.stringify(message), dispatcher })
    .then((r) => r.body.dump())
    .catch(() => {}); // fire and forget: a cancel or answer the upstream misses times out there, as MCP allows
}
