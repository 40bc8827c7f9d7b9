/**
 * MCP Streamable HTTP for agents at `/servers/{id}/mcp` (POST, GET, DELETE): one session per agent
 * session held by this replica (`streamable-session.ts`: fast paths, the proxy's own GET stream, an
 * SDK `Server` + transport while the SDK serves something), bound to the virtual server and the
 * user that initialized it.
 *
 * The session id is the session's sealed state (`session-id.ts`): a request whose id this replica
 * does not hold — initialized on another replica, or freed here after idling — is served by
 * rebuilding the session from the id, with no new `initialize`. An id that does not open, has
 * expired, or belongs to another user or server gets 404 (the spec's "start a new session").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ProxyContext } from '../context.ts';
import { readJson } from '../http/io.ts';
import type { AgentIdentity } from '../registry/types.ts';
import { admitAgent, badRequest, sessionNotFound } from './endpoint-guard.ts';
import type { AgentSessionClaims } from './session-id.ts';
import type { AgentSession } from './sessions.ts';
import { StreamableSession } from './streamable-session.ts';

/** Largest JSON-RPC message accepted from an agent. 4 MiB, the SDK's default. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function handleStreamableHttp(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, serverRef: string): Promise<void> {
  const { identity, server } = await admitAgent(ctx, req, serverRef);
  const sid = req.headers['mcp-session-id'];
  const body = req.method === 'POST' ? await readJson(req, MAX_MESSAGE_BYTES) : undefined;

  if (typeof sid === 'string') {
    // The sealed id is the authority (user, server, expiry); the table only holds what is live here.
    // A session held here was opened from this very id, so its claims are what the id says: only the
    // binding and the expiry are checked again, without opening (decrypting) the id on every request.
    let session = ctx.sessions.get(sid);
    const held = session?.claims;
    const claims = held && held.user === identity.user && held.serverId === server.id ? (ctx.sessionIds.live(held) ? held : undefined) : ctx.sessionIds.open(sid, server.id, identity.user);
    if (!claims || ctx.sessions.ended(sid)) throw sessionNotFound();
    if (req.method === 'DELETE') ctx.sessions.end(sid, ctx.sessionIds.expiresAt(claims));
    session = ctx.sessions.get(sid);
    if (!session) {
      if (req.method === 'DELETE') {
        // Nothing held here to close. Other replicas still accept the id until it expires (session-id.ts).
        res.writeHead(200).end();
        return;
      }
      ctx.sessions.reserve(identity.user);
      session = await openSession(ctx, identity, claims, sid);
    }
    return session.handle(req, res, body);
  }
  if (req.method !== 'POST') throw badRequest('Bad Request: Mcp-Session-Id header is required');
  if (!isInitializeRequest(body)) throw badRequest('Bad Request: no Mcp-Session-Id header and the message is not an initialize request');

  ctx.sessions.reserve(identity.user);
  const claims = ctx.sessionIds.claimsFor(server.id, identity.user, body.params);
  const session = await openSession(ctx, identity, claims, undefined);
  await session.handle(req, res, body);
}

/** The session for `claims`, added to the table. `restoreId` set: initialized before (the id carries `claims`); unset: `initialize` is the request about to be handled. */
async function openSession(ctx: ProxyContext, identity: AgentIdentity, claims: AgentSessionClaims, restoreId: string | undefined): Promise<AgentSession> {
  const session = await StreamableSession.open(ctx, identity, claims, restoreId);
  ctx.sessions.add(session);
  return session;
}
