/**
 * The SSE stream of one fast-path `tools/call` made resumable: every event is stored in the
 * session's event store with an id before it is written, to the POST's response first and, after
 * the agent resumed with `GET` + `Last-Event-ID`, to that GET's response. A call whose stream
 * dropped runs on; its progress and result wait in the store (bounded) for the agent to resume.
 */
import type { ServerResponse } from 'node:http';
import type { SessionEventStore } from './event-store.ts';

export class ResumableCall {
  readonly streamId: string;
  readonly #store: SessionEventStore;
  /** Where live events go: the POST's response, then the latest resuming GET's. */
  #sink: ServerResponse;

  constructor(store: SessionEventStore, streamId: string, sink: ServerResponse) {
    this.#store = store;
    this.streamId = streamId;
    this.#sink = sink;
  }

  /** The priming event (an id and no data) that makes the stream resumable before its first message. */
  priming(): string {
    return `id: ${this.#store.append(this.streamId, undefined)}\ndata: \n\n`;
  }

  /** Stores one message (`final`: the response, which ends the stream) and writes it where the agent listens now. */
  send(data: string, final = false): void {
    const frame = `id: ${this.#store.append(this.streamId, data, { final })}\nevent: message\ndata: ${data}\n\n`;
    const sink = this.#sink;
    if (sink.writableEnded || sink.destroyed) return;
    if (final) sink.end(frame);
    else sink.write(frame);
  }

  /** Ends the stream without a response (a cancelled call gets none). */
  end(): void {
    this.#store.markComplete(this.streamId);
    if (!this.#sink.writableEnded) this.#sink.end();
  }

  /** Continues the stream on `res` (a resuming GET, events up to now already replayed there). */
  attach(res: ServerResponse): void {
    const old = this.#sink;
    this.#sink = res;
    if (old !== res && !old.writableEnded) old.end();
  }
}
