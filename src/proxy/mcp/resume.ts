/**
 * `GET` + `Last-Event-ID` on an agent session (MCP Streamable HTTP resumability), answered from the
 * session's event store (event-store.ts):
 *
 * - a replayable id of a fast-path call: the events after it are replayed; a call still running
 *   continues on this response (resumable-call.ts), a finished one ends it;
 * - a replayable id of the standalone GET stream: the events after it are replayed and the response
 *   becomes the session's standalone stream (standalone-stream.ts);
 * - a replayable id of an SDK stream: handed to the SDK transport, which replays from the same store;
 * - a stream that is complete with nothing after the id: 204 (nothing more will come; the SDK
 *   client then stops reconnecting);
 * - an id this replica cannot replay (minted by another replica, or before a restart, or dropped by
 *   the store's bound): for a call, a stream with one JSON-RPC error answering that call's request id
 *   (`ERR_STREAM_NOT_REPLAYABLE`), so the agent's call fails at once with a clear error instead of
 *   waiting for its timeout; for the standalone GET stream, a fresh one (missed notifications are
 *   lost); otherwise 410 with a JSON-RPC error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, ProxyError } from '../errors.ts';
import { requestIdOfStream, type SessionEventStore } from './event-store.ts';
import type { ResumableCall } from './resumable-call.ts';
import { STANDALONE_STREAM, type StandaloneStream } from './standalone-stream.ts';
/** Event ids of the one-event error streams: any replica answers a resume from one with 204. */
const GONE = 'gone.';

const NOT_REPLAYABLE =
  'this proxy replica does not hold the events of this stream (they were on another replica — which may be gone — or before a restart, or were dropped by the per-session bound); the call cannot be resumed: retry it if that is safe';

function sseHeaders(sessionId: string): Record<string, string> {
  return { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'mcp-session-id': sessionId };
}

/**
 * Serves a resuming GET of session `sessionId` when it is one; resolves false (nothing written) for
 * anything the SDK transport answers. Throws `ProxyError` for a stream that cannot be resumed.
 */
export function resumeStream(store: SessionEventStore, calls: ReadonlyMap<string, ResumableCall>, standalone: StandaloneStream | undefined, sessionId: string, req: IncomingMessage, res: ServerResponse): boolean {
  const last = req.headers['last-event-id'];
  if (req.method !== 'GET' || typeof last !== 'string') return false;
  if (last.startsWith(GONE)) {
    res.writeHead(204, { 'mcp-session-id': sessionId }).end();
    return true;
  }
  const found = store.lookup(last);
  if (found.kind === 'replayable') {
    const replay = store.after(found.streamId, found.seq);
    const done = store.complete(found.streamId);
    if (done && replay.length === 0) {
      res.writeHead(204, { 'mcp-session-id': sessionId }).end();
      return true;
    }
    if (found.streamId === STANDALONE_STREAM && standalone !== undefined) {
      standalone.attach(res, replay);
      return true;
    }
    const call = calls.get(found.streamId);
    if (!call && requestIdOfStream(found.streamId) === undefined) return false; // an SDK stream: its transport replays
    res.writeHead(200, sseHeaders(sessionId));
    for (const e of replay) res.write(`id: ${e.id}\nevent: message\ndata: ${e.data}\n\n`);
    if (done || !call) res.end();
    else call.attach(res);
    return true;
  }
  const requestId = found.streamId === undefined ? undefined : requestIdOfStream(found.streamId);
  if (requestId !== undefined) {
    const error = { jsonrpc: '2.0', id: requestId, error: { code: ERRORS.ERR_STREAM_NOT_REPLAYABLE.rpc, message: NOT_REPLAYABLE, data: { code: 'ERR_STREAM_NOT_REPLAYABLE' } } };
    res.writeHead(200, sseHeaders(sessionId));
    res.end(`id: ${GONE}${found.streamId}.0\nevent: message\ndata: ${JSON.stringify(error)}\n\n`);
    return true;
  }
  if (found.streamId === STANDALONE_STREAM) {
    delete req.headers['last-event-id']; // a fresh standalone stream; what it missed is lost
    return false;
  }
  throw new ProxyError('ERR_STREAM_NOT_REPLAYABLE', NOT_REPLAYABLE);
}
