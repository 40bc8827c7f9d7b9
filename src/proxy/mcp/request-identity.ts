/**
 * Where an admitted agent request carries its caller: `req.auth`, the field the SDK's server
 * transports hand to request handlers as `extra.authInfo`. Set once by the endpoint guard
 * (`admitAgent`); read by the tool-call adapters. The agent's token is not kept.
 */
import type { IncomingMessage } from 'node:http';
import type { AgentIdentity } from '../registry/types.ts';

type WithAuth = IncomingMessage & { auth?: { token: string; clientId: string; scopes: string[]; extra?: { identity?: AgentIdentity } } };

/** Marks `req` as made by `identity`. */
export function setRequestIdentity(req: IncomingMessage, identity: AgentIdentity): void {
  (req as WithAuth).auth = { token: '', clientId: identity.user, scopes: [], extra: { identity } };
}

/** The caller of an admitted request (fast path), or undefined when no guard admitted it. */
export function requestIdentity(req: IncomingMessage): AgentIdentity | undefined {
  return (req as WithAuth).auth?.extra?.identity;
}

/** The caller of a request inside the SDK server (`extra.authInfo`), else the session's owner. */
export function handlerIdentity(extra: { authInfo?: { extra?: Record<string, unknown> } }, owner: AgentIdentity): AgentIdentity {
  return (extra.authInfo?.extra?.identity as AgentIdentity | undefined) ?? owner;
}
