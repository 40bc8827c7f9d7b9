/**
 * `POST /tools/invoke` (the seed's REST call): `{server_id, tool_name, arguments}` with an agent
 * credential → the upstream's `CallToolResult`, verbatim. An unknown server or tool is a 404; a
 * JSON-RPC error the upstream answered is a 502 `ERR_UPSTREAM_RPC` carrying its code and message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ToolInvoke as ToolInvokeBody } from '../../contract/wire.ts';
import { ToolInvoke } from '../../contract/wire.ts';
import type { ProxyContext } from '../context.ts';
import { ProxyError } from '../errors.ts';
import { parseBody, readJson, sendJson } from '../http/io.ts';
import { mayAccess } from './agent-auth.ts';
import { RpcError } from './forward.ts';

export async function handleInvoke(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.checkOrigin(req);
  const identity = await ctx.agentAuth.authenticate(req);
  const body: ToolInvokeBody = parseBody(ToolInvoke, await readJson(req), 'tools/invoke body');
  const server = ctx.store.findServer(body.server_id);
  if (!server) throw new ProxyError('ERR_NOT_FOUND', `server_id: virtual server ${body.server_id.slice(0, 100)} not found`, { details: [{ path: 'server_id', message: 'no such server' }] });
  if (!mayAccess(server.spec.access, identity)) throw new ProxyError('ERR_FORBIDDEN', `user ${identity.user} may not use virtual server ${server.spec.name}`);
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('client went away'));
  });
  try {
    const result = await ctx.forwarder.call(server, body.tool_name, body.arguments, { identity, transport: 'invoke', signal: abort.signal });
    sendJson(res, 200, result);
  } catch (err) {
    if (err instanceof RpcError && err.code === -32602 && err.message.startsWith('Unknown tool')) {
      throw new ProxyError('ERR_NOT_FOUND', `tool_name: server ${server.spec.name} has no tool ${body.tool_name.slice(0, 200)}`, { details: [{ path: 'tool_name', message: 'no such tool on this server' }] });
    }
    if (err instanceof RpcError) {
      throw new ProxyError('ERR_UPSTREAM_UNAVAILABLE', `upstream answered JSON-RPC error ${err.code}: ${err.message}`, { details: [{ path: 'upstream', message: `${err.code} ${err.message}` }] });
    }
    throw err;
  }
}
