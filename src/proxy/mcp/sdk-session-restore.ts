/**
 * Puts a fresh SDK `Server` + `StreamableHTTPServerTransport` pair into the state `initialize` would
 * have left them in, for a session initialized elsewhere (another replica, or this one before its
 * idle sweep): the transport accepts the session's id, the server knows the client's capabilities
 * and name. The SDK (1.x) offers no public way to do this, so this file sets the fields its own
 * `initialize` handling sets; test/unit/proxy/sdk-session-restore.test.ts fails when an SDK
 * update renames them.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/sdk/types.js';

interface TransportInternals {
  _webStandardTransport: { sessionId: string | undefined; _initialized: boolean };
}
interface ServerInternals {
  _clientCapabilities: ClientCapabilities | undefined;
  _clientVersion: Implementation | undefined;
}

export function restoreInitializedSession(server: Server, transport: StreamableHTTPServerTransport, sessionId: string, client: { capabilities: ClientCapabilities; clientInfo: Implementation }): void {
  const inner = (transport as unknown as TransportInternals)._webStandardTransport;
  if (!inner || !('_initialized' in inner)) throw new Error('the MCP SDK changed: StreamableHTTPServerTransport has no _webStandardTransport._initialized to restore a session into');
  inner.sessionId = sessionId;
  inner._initialized = true;
  const s = server as unknown as ServerInternals;
  s._clientCapabilities = client.capabilities;
  s._clientVersion = client.clientInfo;
}
