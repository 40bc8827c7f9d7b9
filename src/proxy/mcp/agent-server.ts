/**
 * The MCP server one agent session talks to: the SDK's low-level `Server`, serving a virtual
 * server's tools from the catalog and forwarding `tools/call`.
 *
 * The `tools/call` handler is installed with `Protocol.setRequestHandler`, skipping `Server`'s
 * result re-validation: results are the upstream's, passed through verbatim (and not parsed twice
 * on the hot path).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ProxyContext } from '../context.ts';
import type { AgentIdentity, ServerRegistration } from '../registry/types.ts';
import { mayAccess } from './agent-auth.ts';
import { RpcError } from './forward.ts';

const SERVER_INFO = { name: 'mcp-gitops', version: '0.1.0' };

/** Where the session's caller identity comes from: `req.auth.extra.identity`, set by the endpoint. */
export function identityOf(extra: { authInfo?: { extra?: Record<string, unknown> } }, fallback: AgentIdentity): AgentIdentity {
  return (extra.authInfo?.extra?.identity as AgentIdentity | undefined) ?? fallback;
}

export function createAgentServer(ctx: ProxyContext, serverId: string, owner: AgentIdentity, transport: 'streamable-http' | 'sse'): Server {
  const mcp = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true }, logging: {} },
    instructions: undefined,
  });
  const current = (): ServerRegistration => {
    const s = ctx.store.servers.get(serverId);
    if (!s) throw new RpcError(-32001, `virtual server ${serverId} no longer exists`);
    return s;
  };

  mcp.setRequestHandler(ListToolsRequestSchema, async () => {
    const resolved = ctx.catalog.resolve(current());
    const tools: Tool[] = resolved.tools.map((e) => ({ ...e.tool, name: e.name }) as Tool);
    return { tools };
  });

  Protocol.prototype.setRequestHandler.call(mcp, CallToolRequestSchema, async (request, extra) => {
    const server = current();
    const identity = identityOf(extra as never, owner);
    if (!mayAccess(server.spec.access, identity)) throw new RpcError(-32003, `user ${identity.user} may not use virtual server ${server.spec.name}`);
    const params = request.params;
    return ctx.forwarder.call(server, params.name, params.arguments, {
      identity,
      transport,
      signal: extra.signal,
      ...(params._meta ? { meta: params._meta as Record<string, unknown> } : {}),
      notify: (n) => extra.sendNotification(n as never),
      clientCapabilities: () => mcp.getClientCapabilities() as never,
    }) as never;
  });
  return mcp;
}
