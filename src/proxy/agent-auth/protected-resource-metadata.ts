/**
 * RFC 9728 protected-resource metadata for the proxy's agent endpoints (the MCP authorization
 * spec): each virtual server's endpoint `/servers/{id}/mcp` is a protected resource whose metadata
 * is served at `/.well-known/oauth-protected-resource/servers/{id}/mcp` (and the proxy as a whole
 * at `/.well-known/oauth-protected-resource`), and a 401 names it in
 * `WWW-Authenticate: Bearer resource_metadata="…"` so MCP clients find the authorization server.
 */
import type { ExtraRoute } from '../http/extra-route.ts';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceOptions {
  /** The proxy's public base URL, e.g. `https://mcp.example.com` (read per request). */
  publicUrl: () => string;
  /** Issuers agents get tokens from. */
  authorizationServers: string[];
  /** Advertised scopes, if any. */
  scopes?: string[];
}

/** The metadata URL for a server's endpoint, or the root one. */
export function metadataUrl(publicUrl: string, serverId?: string): string {
  const base = publicUrl.replace(/\/$/, '');
  return serverId === undefined ? `${base}${METADATA_PATH}` : `${base}${METADATA_PATH}/servers/${encodeURIComponent(serverId)}/mcp`;
}

/** `WWW-Authenticate` for agent 401s (the proxy's `wwwAuthenticate` option). */
export function bearerChallenge(publicUrl: () => string): (serverId: string | undefined) => string {
  return (serverId) => `Bearer realm="mcp-gitops", resource_metadata="${metadataUrl(publicUrl(), serverId)}"`;
}

/** The GET routes serving the metadata documents (mount on the agent listener). */
export function protectedResourceRoutes(options: ProtectedResourceOptions): ExtraRoute[] {
  return [
    {
      method: 'GET',
      pathPrefix: METADATA_PATH,
      handler: (_req, res, url) => {
        const base = options.publicUrl().replace(/\/$/, '');
        const rest = url.pathname.slice(METADATA_PATH.length);
        const server = /^\/servers\/([^/]+)\/mcp$/.exec(rest);
        if (rest !== '' && rest !== '/' && !server) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: `no protected-resource metadata at ${url.pathname}`, code: 'ERR_NOT_FOUND' }));
          return;
        }
        const resource = server ? `${base}/servers/${server[1]}/mcp` : base;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
        res.end(JSON.stringify({
          resource,
          authorization_servers: options.authorizationServers,
          bearer_methods_supported: ['header'],
          ...(options.scopes?.length ? { scopes_supported: options.scopes } : {}),
          resource_name: 'mcp-gitops',
        }));
      },
    },
  ];
}
