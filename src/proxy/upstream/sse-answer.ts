/**
 * Reading one upstream SSE response to the SSE standard (WHATWG HTML §9.2): CRLF, CR and LF line
 * endings, multi-line `data`, comments, `id` and `retry`, parsed by `eventsource-parser` (the
 * parser the MCP SDK's own client uses), not by hand.
 *
 * Each event's data is one JSON-RPC message. Events with empty data (the priming event a
 * 2025-11-25 server sends first: an id, and often a `retry`) carry no message but move the cursor.
 */
import { createParser } from 'eventsource-parser';

/** Where a stream got to: what a client needs to resume it with `GET` + `Last-Event-ID`. */
export interface SseCursor {
  /** The id of the last event received (the SSE "last event ID"), if the server sent ids. */
  lastEventId: string | undefined;
  /** The server's reconnection time (`retry`), ms, if it sent one. */
  retryMs: number | undefined;
}

export type SseMessage = Record<string, unknown> & { params?: Record<string, unknown> };

type Body = NodeJS.ReadableStream & { setEncoding(e: string): unknown };

/**
 * Hands each message of `body` to `onMessage` until it returns a value (the answer), updating
 * `cursor` as events arrive. Resolves the answer, or `undefined` when the stream ended without one
 * (the caller decides whether the cursor allows resuming). The rest of the stream after the answer
 * is drained, not destroyed (destroying costs an AbortError with a stack trace per call). Rejects
 * when the body fails, an event's data is not JSON, or `onMessage` throws.
 */
export function readSseAnswer<T>(body: Body, cursor: SseCursor, onMessage: (m: SseMessage) => T | undefined): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      fn();
    };
    const parser = createParser({
      onEvent(event) {
        if (done) return;
        if (event.id !== undefined) cursor.lastEventId = event.id;
        if (event.data === '') return;
        try {
          const answer = onMessage(JSON.parse(event.data) as SseMessage);
          if (answer !== undefined) finish(() => resolve(answer));
        } catch (err) {
          finish(() => reject(err));
        }
      },
      onRetry(ms) {
        cursor.retryMs = ms;
      },
    });
    let endsWithCr = false;
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => {
      if (done) return;
      parser.feed(chunk);
      endsWithCr = chunk.charCodeAt(chunk.length - 1) === 13;
    });
    body.once('end', () => {
      // A CR at the very end is a line ending; the parser holds it back in case an LF follows.
      // (An event without its final blank line is still dropped, as the standard says.)
      if (endsWithCr && !done) parser.feed('\n');
      finish(() => resolve(undefined));
    });
    body.once('error', (err) => finish(() => reject(err)));
  });
}
