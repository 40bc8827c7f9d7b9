/**
 * The seed's requests (/work/shared/seed, ContextForge's "Atlassian Rovo MCP Server" page) as
 * written: the `POST /gateways` body with its placeholders, and the same body with `<MCF_DOMAIN>`
 * filled in, as a reader does before running it.
 */
export const SEED_GATEWAY = Object.freeze({
  name: 'atlassian-rovo',
  url: 'https://mcp.atlassian.com/v1/mcp',
  transport: 'STREAMABLEHTTP',
  description: 'Atlassian Rovo MCP Server (Jira + Confluence + Compass)',
  auth_type: 'oauth',
  oauth_config: Object.freeze({
    grant_type: 'authorization_code',
    issuer: 'https://auth.atlassian.com',
    authorization_url: 'https://auth.atlassian.com/authorize?audience=api.atlassian.com',
    token_url: 'https://auth.atlassian.com/oauth/token',
    redirect_uri: 'https://<MCF_DOMAIN>/oauth/callback',
    scopes: Object.freeze(['read:jira-work', 'write:jira-work', 'read:jira-user', 'read:confluence-content.all', 'write:confluence-content', 'read:confluence-space.summary']),
    client_id: '<ATLASSIAN_OAUTH_CLIENT_ID>',
    client_secret: '<ATLASSIAN_OAUTH_CLIENT_SECRET>',
  }),
});

/** The seed's gateway body with `<MCF_DOMAIN>` replaced by `domain`. */
export function seedGatewayFor(domain: string): Omit<typeof SEED_GATEWAY, 'oauth_config'> & { oauth_config: Omit<typeof SEED_GATEWAY.oauth_config, 'redirect_uri'> & { redirect_uri: string } } {
  return { ...SEED_GATEWAY, oauth_config: { ...SEED_GATEWAY.oauth_config, redirect_uri: `https://${domain}/oauth/callback` } };
}
