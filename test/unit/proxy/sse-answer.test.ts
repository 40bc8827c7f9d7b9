/**
 * The upstream SSE reader follows the SSE standard: any line ending (CRLF, CR, LF), multi-line
 * data, comments, ids, retry, events split across chunks anywhere.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSseAnswer, type SseCursor, type SseMessage } from '../../../src/proxy/upstream/sse-answer.ts';

/** Reads `chunks` as one response; collects every message, answers on the one with `id: 1`. */
async function read(chunks: string[]): Promise<{ answer: SseMessage | undefined; seen: SseMessage[]; cursor: SseCursor }> {
  const cursor: SseCursor = { lastEventId: undefined, retryMs: undefined };
  const seen: SseMessage[] = [];
  const answer = await readSseAnswer(Readable.from(chunks.map((c) => Buffer.from(c))) as never, cursor, (m) => {
    seen.push(m);
    return m.id === 1 ? m : undefined;
  });
  return { answer, seen, cursor };
}

const progress = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p1', progress: 1 } });
const result = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [] } });

describe('readSseAnswer', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('reads events with %s line endings, split at every byte', async (_name, eol) => {
    const text = `id: 7${eol}retry: 250${eol}data:${eol}${eol}: keep-alive comment${eol}event: message${eol}data: ${progress}${eol}${eol}id: 8${eol}data: ${result}${eol}${eol}`;
    const { answer, seen, cursor } = await read([...text]);
    expect(seen.map((m) => m.method ?? m.id)).toEqual(['notifications/progress', 1]);
    expect(answer).toEqual(JSON.parse(result));
    expect(cursor).toEqual({ lastEventId: '8', retryMs: 250 });
  });

  it('joins multi-line data with newlines (JSON may span lines)', async () => {
    const { answer } = await read(['data: {"jsonrpc":"2.0",\r\ndata: "id":1,\r\ndata: "result":{}}\r\n\r\n']);
    expect(answer).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });

  it('resolves undefined when the stream ends before the answer, keeping the last id to resume from', async () => {
    const { answer, cursor } = await read([`id: 3\r\ndata: ${progress}\r\n\r\n`]);
    expect(answer).toBeUndefined();
    expect(cursor.lastEventId).toBe('3');
  });
});
