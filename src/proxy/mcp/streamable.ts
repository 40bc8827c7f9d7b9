/**
 * MCP Streamable HTTP for agents at `/servers/{id}/mcp` (POST, GET, DELETE): one SDK
 * `StreamableHTTPServerTransport` + `Server` per agent session, bound to the virtual server and
 * the user that initialized it. Requests carrying an unknown session id get 404 (the spec's "start
 * a new session"); a session used by another user or on another server is unknown to them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { ProxyContext } from '../context.ts';
import { readJson } from '../http/io.ts';
import { createAgentServer, type AgentSessionState } from './agent-server.ts';
import { admitAgent, badRequest, sessionNotFound } from './endpoint-guard.ts';
import { AgentFastPathState, tryAgentFastPath } from './agent-fast-path.ts';

/** Largest JSON-RPC message accepted from an agent. 4 MiB, the SDK's default. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export async function handleStreamableHttp(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, serverRef: string): Promise<void> {
  const { identity, server } = await admitAgent(ctx, req, serverRef);
  const sid = req.headers['mcp-session-id'];
  const body = req.method === 'POST' ? await readJson(req, MAX_MESSAGE_BYTES) : undefined;

  if (typeof sid === 'string') {
    const session = ctx.sessions.get(sid);
    if (!session || session.serverId !== server.id || session.user !== identity.user || session.transport !== 'streamable-http') return sessionNotFound(res);
    return session.handle(req, res, body);
  }
  if (req.method !== 'POST') return badRequest(res, 'Bad Request: Mcp-Session-Id header is required');
  if (!isInitializeRequest(body)) return badRequest(res, 'Bad Request: no Mcp-Session-Id header and the message is not an initialize request');

  ctx.sessions.reserve();
  const state: AgentSessionState = { logLevel: undefined };
  const mcp = createAgentServer(ctx, server.id, identity, 'streamable-http', state);
  const fast = new AgentFastPathState(() => mcp.getClientCapabilities(), state);
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) => {
      ctx.sessions.add({
        id,
        serverId: server.id,
        user: identity.user,
        transport: 'streamable-http',
        lastSeen: Date.now(),
        handle: async (rq, rs, b) => {
          if (!(await tryAgentFastPath(ctx, fast, server.id, id, rq, rs, b))) await transport.handleRequest(rq, rs, b);
        },
        notifyToolsChanged: () => void mcp.sendToolListChanged().catch(() => {}),
        close: () => transport.close(),
      });
    },
  });
  transport.onclose = () => {
    if (transport.sessionId) ctx.sessions.delete(transport.sessionId);
  };
  await mcp.connect(transport);
  await transport.handleRequest(req, res, body);
}
