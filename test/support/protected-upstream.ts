// An MCP server of our own that is an OAuth-protected resource (MCP authorization spec): it answers
// 401 with `WWW-Authenticate: Bearer resource_metadata="…"` unless the request carries a JWT access
// token from the trusted issuer whose `aud` is this server's resource URL, serves RFC 9728 metadata,
// and has one tool, `whoami`, answering the token's `sub`. In-process on loopback (port 0),
// stateless Streamable HTTP (a fresh SDK server per request).
//
//   const upstream = await startProtectedUpstream();
//   const op = await startOidcProvider({ resource: upstream.resource, ... });
//   upstream.trust(op.issuer, op.jwksUri);
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface ProtectedUpstream {
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  /** The MCP endpoint and the resource identifier tokens must be issued for (`<url>/mcp`). */
  resource: string;
  /** Accept tokens from this issuer, verified with its JWKS. */
  trust(issuer: string, jwksUri: string): void;
  /** Every accepted call: the token's `sub` and the raw token (to prove whose token reached us). */
  readonly accepted: Array<{ sub: string; token: string; method: string }>;
  /** Number of requests refused with 401. */
  readonly refused: number;
  stop(): Promise<void>;
}

export async function startProtectedUpstream(): Promise<ProtectedUpstream> {
  let trusted: { issuer: string; jwks: ReturnType<typeof createRemoteJWKSet> } | undefined;
  const accepted: Array<{ sub: string; token: string; method: string }> = [];
  let refused = 0;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = `${url}/mcp`;
  const metadataUrl = `${url}/.well-known/oauth-protected-resource/mcp`;

  server.on('request', async (req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    if (req.method === 'GET' && (path === '/.well-known/oauth-protected-resource/mcp' || path === '/.well-known/oauth-protected-resource')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resource, authorization_servers: trusted ? [trusted.issuer] : [], scopes_supported: ['read', 'write'], bearer_methods_supported: ['header'] }));
      return;
    }
    if (path !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let sub: string | undefined;
    if (token && trusted) {
      try {
        const { payload } = await jwtVerify(token, trusted.jwks, { issuer: trusted.issuer, audience: resource });
        sub = payload.sub;
      } catch {
        sub = undefined;
      }
    }
    if (!sub || !token) {
      refused++;
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${metadataUrl}", error="invalid_token"`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const caller = sub;
    const mcp = new McpServer({ name: 'protected-upstream', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'Answers the subject of the access token this call carried' }, async () => {
      accepted.push({ sub: caller, token, method: 'tools/call' });
      return { content: [{ type: 'text', text: caller }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });

  return {
    url,
    resource,
    trust(issuer, jwksUri) {
      trusted = { issuer, jwks: createRemoteJWKSet(new URL(jwksUri)) };
    },
    accepted,
    get refused() {
      return refused;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
