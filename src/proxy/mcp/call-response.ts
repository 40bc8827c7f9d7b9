/**
 * How one fast-path `tools/call` answers its agent (MCP Streamable HTTP allows either shape for a
 * POSTed request): `application/json` when the result is the first thing to send; an SSE stream as
 * soon as a notification or a request to the agent comes first, with the result as its last event.
 *
 * Resumable (`events` given: agents on 2025-11-25 or later, whose SDK handles a priming event):
 * each SSE event is stored with an id before it is written, and the call runs on when the POST's
 * stream drops. A call still answering JSON after `PRIME_AFTER_MS` switches to its resumable
 * stream, so a long call survives a dropped connection. A call answered at once costs nothing here.
 */
import type { ServerResponse } from 'node:http';
import type { SessionEventStore } from './event-store.ts';
import { ResumableCall } from './resumable-call.ts';

/** A call still answering JSON after this long switches to a resumable SSE stream (a priming event with an id). */
const PRIME_AFTER_MS = 500;

const sseEvent = (text: string) => `event: message\ndata: ${text}\n\n`;

export class CallResponse {
  readonly #res: ServerResponse;
  readonly #sessionId: string;
  readonly #id: string | number;
  readonly #events: SessionEventStore | undefined;
  /** Registers the resumable stream where a resuming GET can find it (and `close` removes it). */
  readonly #calls: Map<string, ResumableCall>;
  readonly #primer: NodeJS.Timeout | undefined;
  #streaming = false;
  #call: ResumableCall | undefined;

  constructor(res: ServerResponse, sessionId: string, id: string | number, events: SessionEventStore | undefined, calls: Map<string, ResumableCall>) {
    this.#res = res;
    this.#sessionId = sessionId;
    this.#id = id;
    this.#events = events;
    this.#calls = calls;
    this.#primer = events ? setTimeout(() => !this.#streaming && !res.writableEnded && this.#startStream(), PRIME_AFTER_MS).unref() : undefined;
  }

  /** Sends a message before the result (a notification, a request to the agent): the response becomes a stream. */
  write(m: Record<string, unknown>): void {
    if (!this.#streaming) {
      if (this.#res.writableEnded) return;
      this.#startStream();
    }
    if (this.#call) this.#call.send(JSON.stringify(m));
    else if (!this.#res.writableEnded) this.#res.write(sseEvent(JSON.stringify(m)));
  }

  /** Sends the JSON-RPC response and ends. */
  answer(m: Record<string, unknown>): void {
    const text = JSON.stringify(m);
    const res = this.#res;
    if (this.#streaming) {
      if (this.#call) this.#call.send(text, true);
      else if (!res.writableEnded) res.end(sseEvent(text));
      return;
    }
    if (res.writableEnded) return;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'mcp-session-id': this.#sessionId });
    res.end(text);
  }

  /** Ends without a response: a cancelled request gets none (MCP cancellation), its stream just ends, as with the SDK. */
  endWithoutAnswer(): void {
    if (this.#call && this.#streaming) return this.#call.end();
    const res = this.#res;
    if (res.writableEnded) return;
    if (!this.#streaming) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'mcp-session-id': this.#sessionId });
    res.end();
  }

  /** The call is over: no switch to a stream any more, and no resuming onto it. */
  close(): void {
    clearTimeout(this.#primer);
    if (this.#call) this.#calls.delete(this.#call.streamId);
  }

  #startStream(): void {
    this.#streaming = true;
    this.#res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'mcp-session-id': this.#sessionId });
    if (!this.#events) return;
    this.#call = new ResumableCall(this.#events, this.#events.newCallStream(this.#id), this.#res);
    this.#calls.set(this.#call.streamId, this.#call);
    this.#res.write(this.#call.priming());
  }
}
