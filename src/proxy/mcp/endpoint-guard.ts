/**
 * What every agent MCP request goes through before a session sees it: Host and Origin checks, agent
 * authentication, virtual server lookup, access list. Leaves the identity on `req.auth` where the
 * SDK transports hand it to request handlers (as `authInfo.extra.identity`; the token is not kept).
 */
import type { IncomingMessage } from 'node:http';
import type { ProxyContext } from '../context.ts';
import { ProxyError } from '../errors.ts';
import type { AgentIdentity, ServerRegistration } from '../registry/types.ts';
import { mayAccess } from './agent-auth.ts';
import { setRequestIdentity } from './request-identity.ts';

export async function admitAgent(ctx: ProxyContext, req: IncomingMessage, serverRef: string): Promise<{ identity: AgentIdentity; server: ServerRegistration }> {
  ctx.checkHost(req);
  ctx.checkOrigin(req);
  const identity = await ctx.agentAuth.authenticate(req, serverRef);
  const server = ctx.store.findServer(serverRef);
  if (!server) {
    // A replica still being synced may simply not have the registration yet: say so, never 404.
    if (ctx.requireSync && !ctx.store.synced) throw new ProxyError('ERR_NOT_SYNCED', 'this proxy replica is still receiving its registrations; retry shortly', { headers: { 'retry-after': '1' } });
    throw new ProxyError('ERR_NOT_FOUND', `virtual server ${serverRef.slice(0, 100)} not found`);
  }
  if (!mayAccess(server.spec.access, identity)) throw new ProxyError('ERR_FORBIDDEN', `user ${identity.user} may not use virtual server ${server.spec.name} (see its access list)`);
  setRequestIdentity(req, identity);
  return { identity, server };
}

/** The MCP spec's answer to an unknown or expired `Mcp-Session-Id`: 404, and the client starts over. */
export function sessionNotFound(): ProxyError {
  return new ProxyError('ERR_SESSION_NOT_FOUND', 'Session not found');
}

export function badRequest(message: string): ProxyError {
  return new ProxyError('ERR_BAD_REQUEST', message);
}
