/**
 * The `fetch` the proxy's upstream MCP clients use: undici with keep-alive, credentials added to
 * every request from `UpstreamCredentials` (so a refreshed token applies at once), and a tap on
 * SSE response streams that hands `notifications/message` (logging) of one upstream request to
 * that request's sink — the SDK client has no notion of which request a log line belongs to.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Receives the logging notifications an upstream sent on one request's response stream. */
export type LogSink = (notification: { method: string; params?: Record<string, unknown> }) => void;

export interface UpstreamFetchOptions {
  /** Headers to add to each request (credentials). Called per request. */
  headers: () => Promise<Record<string, string>>;
  /** Sinks by upstream JSON-RPC request id; consulted when a POST's SSE response starts. */
  logSinks: Map<number, LogSink>;
  /** Connect timeout in ms. Defaults to 5000. */
  connectTimeoutMs?: number;
}

/** One keep-alive connection pool for all upstreams of a proxy (per origin inside). */
export const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 64, connect: { timeout: 5_000 } });

const REQUEST_ID = /"id":(\d+)\}$/;
const decoder = new TextDecoder();

export function upstreamFetch(options: UpstreamFetchOptions): FetchLike {
  return async (url, init) => {
    const extra = await options.headers();
    const headers = new Headers(init?.headers);
    for (const k in extra) headers.set(k, extra[k] as string);
    const res = (await undiciFetch(url, { ...(init as object), headers, dispatcher } as unknown as Parameters<typeof undiciFetch>[1])) as unknown as Response;
    if (init?.method !== 'POST' || typeof init.body !== 'string' || options.logSinks.size === 0) return res;
    const id = REQUEST_ID.exec(init.body)?.[1];
    const sink = id === undefined ? undefined : options.logSinks.get(Number(id));
    if (!sink || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return res;
    return new Response(res.body.pipeThrough(logTap(sink)), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** Passes bytes through unchanged; parses SSE events and sends logging notifications to `sink`. */
function logTap(sink: LogSink): TransformStream<Uint8Array, Uint8Array> {
  let pending = '';
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      pending += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = pending.search(/\r?\n\r?\n/)) !== -1) {
        const event = pending.slice(0, end);
        pending = pending.slice(end + (pending[end] === '\r' ? 4 : 2));
        if (!event.includes('notifications/message')) continue;
        const data = event
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        try {
          const msg = JSON.parse(data) as { method?: string; params?: Record<string, unknown> };
          if (msg.method === 'notifications/message') sink(msg as { method: string; params?: Record<string, unknown> });
        } catch {
          // not JSON: not ours to judge; the SDK client reports malformed events itself
        }
      }
    },
  });
}
