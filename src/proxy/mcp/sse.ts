/**
 * The legacy HTTP+SSE transport for older agents: `GET /servers/{id}/sse` opens the stream (its
 * first event names the message endpoint), `POST /servers/{id}/message?sessionId=…` carries the
 * agent's messages. Same session table, binding and rules as Streamable HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { ProxyContext } from '../context.ts';
import { readJson } from '../http/io.ts';
import { announceListChanged, createAgentServer } from './agent-server.ts';
import { admitAgent, badRequest, sessionNotFound } from './endpoint-guard.ts';

export async function handleSseStream(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, serverRef: string): Promise<void> {
  const { identity, server } = await admitAgent(ctx, req, serverRef);
  ctx.sessions.reserve(identity.user);
  const transport = new SSEServerTransport(`/servers/${server.id}/message`, res);
  const mcp = createAgentServer(ctx, server.id, identity, 'sse');
  const id = transport.sessionId;
  ctx.sessions.add({
    id,
    serverId: server.id,
    user: identity.user,
    transport: 'sse',
    lastSeen: Date.now(),
    handle: (rq, rs, b) => transport.handlePostMessage(rq, rs, b),
    notifyListChanged: (list) => announceListChanged(mcp, list),
    close: () => mcp.close(),
  });
  transport.onclose = () => ctx.sessions.delete(id);
  res.on('close', () => ctx.sessions.delete(id));
  await mcp.connect(transport);
}

export async function handleSseMessage(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, serverRef: string, url: URL): Promise<void> {
  const { identity, server } = await admitAgent(ctx, req, serverRef);
  const sid = url.searchParams.get('sessionId');
  if (!sid) throw badRequest('Bad Request: the sessionId query parameter is required');
  const body = await readJson(req, 4 * 1024 * 1024);
  const session = ctx.sessions.get(sid);
  if (!session || session.serverId !== server.id || session.user !== identity.user || session.transport !== 'sse') throw sessionNotFound();
  await session.handle(req, res, body);
}
