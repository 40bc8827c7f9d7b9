/**
 * The standalone GET stream of an agent session (MCP Streamable HTTP: the stream on which the server
 * sends what relates to no request of the agent — `notifications/*\/list_changed`,
 * `notifications/resources/updated`), held by the proxy itself rather than by the SDK transport.
 * SDK clients keep this stream open for the whole session, so on a replica holding 10,000 idle
 * sessions it is most of what they cost: the SDK holds each as a web `ReadableStream` piped through
 * its Node adapter (about 15 KiB of heap, docs/performance.md); here it is the Node response and one
 * entry in a set.
 *
 * Contract, as the SDK transport had it: at most one stream per session (a second GET gets 409);
 * every message for the stream is stored in the session's event store under `_GET_stream` (so a
 * `GET` with `Last-Event-ID` replays what the agent missed, `resume.ts`) and written when the stream
 * is open; a comment line every 15 s keeps proxies and load balancers from closing it.
 * A GET this module does not take (wrong `Accept`, unknown protocol version, a `Last-Event-ID` of an
 * SDK stream) is left to the SDK transport, which answers it as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SessionEventStore } from './event-store.ts';

/** The event-store stream id of the standalone stream (the SDK transport's, so stored ids stay valid). */
export const STANDALONE_STREAM = '_GET_stream';

const KEEP_ALIVE_MS = 15_000;

/** Every held stream, for the one keep-alive timer they share (not a timer per stream). */
const held = new Set<ServerResponse>();
let keepAlive: NodeJS.Timeout | undefined;

function hold(res: ServerResponse): void {
  held.add(res);
  keepAlive ??= setInterval(() => {
    for (const r of held) if (!r.writableEnded) r.write(': keepalive\n\n');
  }, KEEP_ALIVE_MS).unref();
}

function release(res: ServerResponse): void {
  held.delete(res);
  if (held.size === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

export class StandaloneStream {
  readonly #sessionId: string;
  readonly #events: SessionEventStore | undefined;
  #res: ServerResponse | undefined;

  constructor(sessionId: string, events: SessionEventStore | undefined) {
    this.#sessionId = sessionId;
    this.#events = events;
  }

  /**
   * Whether the SDK transport's `send(message, options)` goes to the standalone stream: a request or
   * notification related to no request of the agent (what the SDK transport sends there too).
   */
  static carries(message: JSONRPCMessage, options: { relatedRequestId?: unknown } | undefined): boolean {
    return options?.relatedRequestId === undefined && !('result' in message) && !('error' in message);
  }

  /** Takes a plain GET (no `Last-Event-ID`) of the session: opens the stream, or 409 when one is open. False: the SDK answers it. */
  open(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || req.headers['last-event-id'] !== undefined || !(req.headers.accept ?? '').includes('text/event-stream')) return false;
    const version = req.headers['mcp-protocol-version'];
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return false;
    if (this.#res !== undefined) {
      const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Conflict: Only one SSE stream is allowed per session' }, id: null });
      res.writeHead(409, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      return true;
    }
    this.attach(res, []);
    forgetHeaders(req);
    return true;
  }

  /** Answers a resuming GET: writes the `replay`ed events, then holds `res` as the session's stream (replacing an open one). */
  attach(res: ServerResponse, replay: ReadonlyArray<{ id: string; data: string }>): void {
    const previous = this.#res;
    this.#res = res;
    previous?.end();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', 'mcp-session-id': this.#sessionId });
    res.flushHeaders();
    for (const e of replay) res.write(`event: message\nid: ${e.id}\ndata: ${e.data}\n\n`);
    hold(res);
    res.once('close', () => {
      release(res);
      if (this.#res === res) this.#res = undefined;
    });
  }

  /** Stores `message` for replay and writes it to the stream when one is open (else the agent gets it on resuming). */
  send(message: JSONRPCMessage): void {
    const data = JSON.stringify(message);
    const id = this.#events?.append(STANDALONE_STREAM, data);
    const res = this.#res;
    if (res === undefined || res.writableEnded) return;
    res.write(`event: message\n${id === undefined ? '' : `id: ${id}\n`}data: ${data}\n\n`);
  }

  /** Ends the stream (the session closes); the agent may open a new one, on this replica or another. */
  end(): void {
    this.#res?.end();
  }
}

/**
 * Drops a taken GET's request headers: the request is answered for good, and its headers — the
 * agent's bearer token among them — need not stay in memory as long as the stream (hours), at
 * about 3 KiB a stream (header strings and their dictionary).
 */
function forgetHeaders(req: IncomingMessage): void {
  req.headers = {};
  req.rawHeaders = [];
}
