/**
 * `POST /tools/invoke` (the seed's REST call): `{server_id, tool_name, arguments}` with an agent
 * credential, or with the admin token acting as the configured admin identity (`adminIdentity`,
 * audited with `credential: "admin-token"`) → the upstream's `CallToolResult`, verbatim. An adapter of the tool-call core
 * (`tool-call.ts`): an unknown server or tool is a 404, a caller not on the access list a 403, a
 * JSON-RPC error the upstream answered a 502 `ERR_UPSTREAM_UNAVAILABLE` carrying its code and message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ToolInvoke } from '../../contract/wire.ts';
import type { ProxyContext } from '../context.ts';
import { ProxyError } from '../errors.ts';
import { parseBody, readJson, sendJson } from '../http/io.ts';
import { JsonRpcError } from '../jsonrpc-error.ts';
import type { AgentIdentity } from '../registry/types.ts';

export async function handleInvoke(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.checkHost(req);
  ctx.checkOrigin(req);
  const admin = actingAdmin(ctx, req);
  const identity = admin ?? (await ctx.agentAuth.authenticate(req));
  const body = parseBody(ToolInvoke, await readJson(req), 'tools/invoke body');
  const server = ctx.store.findServer(body.server_id);
  if (!server) throw new ProxyError('ERR_NOT_FOUND', `server_id: virtual server ${body.server_id.slice(0, 100)} not found`, { details: [{ path: 'server_id', message: 'no such server' }] });
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('client went away'));
  });
  try {
    const result = await ctx.toolCalls.call({ serverId: server.id, name: body.tool_name, arguments: body.arguments, identity, transport: 'invoke', signal: abort.signal, ...(admin ? { credential: 'admin-token' as const } : {}) });
    sendJson(res, 200, result);
  } catch (err) {
    if (err instanceof ProxyError && err.code === 'ERR_UNKNOWN_TOOL') {
      throw new ProxyError('ERR_NOT_FOUND', `tool_name: server ${server.spec.name} has no tool ${body.tool_name.slice(0, 200)}`, { details: [{ path: 'tool_name', message: 'no such tool on this server' }] });
    }
    if (err instanceof JsonRpcError) {
      throw new ProxyError('ERR_UPSTREAM_UNAVAILABLE', `upstream answered JSON-RPC error ${err.code}: ${err.message}`, { details: [{ path: 'upstream', message: `${err.code} ${err.message}` }] });
    }
    throw err;
  }
}

/** The admin identity when the request carries the admin token and one is configured. */
function actingAdmin(ctx: ProxyContext, req: IncomingMessage): AgentIdentity | undefined {
  if (!ctx.adminIdentity) return undefined;
  try {
    ctx.checkAdmin(req);
    return ctx.adminIdentity;
  } catch {
    return undefined; // not the admin token: an agent credential, checked next
  }
}
