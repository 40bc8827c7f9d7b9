/**
 * The `fetch` the proxy's upstream MCP clients (the SDK's transports) use: undici with keep-alive,
 * and credentials added to every request from `UpstreamCredentials` — asked per request, so a
 * refreshed token applies at once.
 */
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Receives the logging notifications an upstream sent while answering one request. */
export type LogSink = (notification: { method: string; params?: Record<string, unknown> }) => void;

/**
 * One keep-alive connection pool for all upstreams of the process (per origin inside). No cap on
 * connections per origin: every upstream session holds a standing stream, and one origin carries a
 * session per user for per-user OAuth gateways (e.g. every user's Atlassian session), so a cap would
 * hang the sessions past it. Sessions themselves are bounded: per-user ones close after 30 idle minutes.
 */
export const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: null, connect: { timeout: 5_000 } });

/** A `fetch` adding `headers()` (credentials) to each request, over the shared keep-alive pool. */
export function upstreamFetch(headersFor: () => Promise<Record<string, string>>): FetchLike {
  return async (url, init) => {
    const extra = await headersFor();
    const headers = new Headers(init?.headers);
    for (const k in extra) headers.set(k, extra[k] as string);
    return (await undiciFetch(url, { ...(init as object), headers, dispatcher } as unknown as Parameters<typeof undiciFetch>[1])) as unknown as Response;
  };
}
