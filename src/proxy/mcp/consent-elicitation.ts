/**
 * How an agent is told that a per-user OAuth gateway needs its user's consent, when the agent
 * declared URL-mode elicitation: MCP 2025-11-25's `-32042` (URLElicitationRequired) carrying the
 * consent link; the client shows it and the user retries. Agents that did not declare it get the
 * link in the answer's text instead (each entry point says where).
 */
import { randomUUID } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcError } from '../jsonrpc-error.ts';

/** Whether the agent declared URL-mode elicitation in its `initialize`. */
export function acceptsUrlElicitation(agent: ClientCapabilities | undefined): boolean {
  return (agent?.elicitation as { url?: object } | undefined)?.url !== undefined;
}

/** The `-32042` error asking the agent's user to open `consentUrl` for `gateway`, then retry. */
export function urlElicitationRequired(gateway: string, consentUrl: string): JsonRpcError {
  const message = `Connect your account for ${gateway}: approve access, then retry.`;
  return new JsonRpcError(-32042, `Authorization required for gateway ${gateway}`, { elicitations: [{ mode: 'url', elicitationId: randomUUID(), url: consentUrl, message }] });
}
