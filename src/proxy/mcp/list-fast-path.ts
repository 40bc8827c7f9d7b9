/**
 * `tools/list` without the SDK server transport: a POST carrying one `tools/list` request on a
 * live agent session is answered `application/json` with the cached page (`list-pages.ts`), the
 * request id spliced around it — no result object is built or serialized per request. Anything
 * else, and any request the SDK would refuse or answer with an error (a bad cursor, a deleted
 * server, a header it rejects), resolves false and goes to the SDK, which answers it as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { ProxyContext } from '../context.ts';
import { listPageJson } from './catalog-handlers.ts';
import { TOOLS } from './served-lists.ts';

interface ListRequest {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: { cursor?: unknown; _meta?: unknown } | null;
}

/** Serves `body` when it is a single `tools/list` request the cached page answers; false (nothing written) otherwise. */
export function tryListFastPath(ctx: ProxyContext, serverId: string, sessionId: string, req: IncomingMessage, res: ServerResponse, body: unknown): boolean {
  if (req.method !== 'POST' || body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const msg = body as ListRequest;
  if (msg.method !== 'tools/list' || msg.jsonrpc !== '2.0' || (typeof msg.id !== 'string' && typeof msg.id !== 'number')) return false;
  if (msg.params !== undefined && (typeof msg.params !== 'object' || msg.params === null || Array.isArray(msg.params))) return false;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) return false;
  let result: string;
  try {
    result = listPageJson(ctx, serverId, TOOLS, msg.params?.cursor);
  } catch {
    return false; // the SDK answers the same error in the shape it always has
  }
  const text = `{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(msg.id)}}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'mcp-session-id': sessionId });
  res.end(text);
  return true;
}
