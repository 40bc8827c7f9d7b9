/**
 * Good and bad resources shared by the unit tests (zod) and the CRD integration test (kube-apiserver):
 * both enforcers must reject each bad resource at the same field, with the same message.
 */
export const NS = 'mcp';

export function gateway(spec: Record<string, unknown>, name = 'gw'): Record<string, unknown> {
  return { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name, namespace: NS }, spec };
}

export function virtualServer(spec: Record<string, unknown>, name = 'vs'): Record<string, unknown> {
  return { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name, namespace: NS }, spec };
}

const URL = 'https://mcp.example.com/v1/mcp';
const secretRef = { name: 'creds', key: 'token' };

/** DESIGN.md's Atlassian example, as written there. */
export const designGateway = gateway(
  {
    url: 'https://mcp.atlassian.com/v1/mcp',
    transport: 'StreamableHTTP',
    description: 'Atlassian Rovo MCP Server (Jira + Confluence + Compass)',
    auth: {
      type: 'OAuth',
      oauth: {
        grantType: 'AuthorizationCode',
        issuer: 'https://auth.atlassian.com',
        audience: 'api.atlassian.com',
        scopes: ['read:jira-work', 'write:jira-work', 'read:jira-user', 'read:confluence-content.all'],
        clientId: 'my-client-id',
        clientSecretRef: { name: 'atlassian-oauth', key: 'clientSecret' },
      },
    },
  },
  'atlassian-rovo',
);

/** DESIGN.md's VirtualServer example. */
export const designVirtualServer = virtualServer(
  {
    description: 'Atlassian tools - Jira, Confluence, and Compass',
    tools: [
      {
        gateway: 'atlassian-rovo',
        include: ['*Jira*', 'getConfluencePage'],
        exclude: ['deleteJiraIssue'],
        rename: { searchJiraIssuesUsingJql: 'search_issues' },
      },
    ],
  },
  'admin-atlassian',
);

/** Resources both enforcers accept. */
export const goodResources: Record<string, Record<string, unknown>> = {
  'DESIGN.md McpGateway (OAuth, issuer discovery)': designGateway,
  'DESIGN.md VirtualServer': designVirtualServer,
  'minimal gateway (no auth)': gateway({ url: 'http://127.0.0.1:3001/mcp' }),
  'seed-style static OAuth endpoints': gateway({
    url: URL,
    auth: {
      type: 'OAuth',
      oauth: {
        authorizationUrl: 'https://auth.atlassian.com/authorize',
        tokenUrl: 'https://auth.atlassian.com/oauth/token',
        clientId: 'id',
        clientSecretRef: secretRef,
      },
    },
  }),
  'MCP discovery with dynamic client registration': gateway({ url: URL, auth: { type: 'OAuth', oauth: {} } }),
  'client credentials with a token URL': gateway({
    url: URL,
    auth: { type: 'OAuth', oauth: { grantType: 'ClientCredentials', tokenUrl: 'https://idp.example.com/token', clientId: 'id', clientSecretRef: secretRef } },
  }),
  'bearer token from a Secret': gateway({ url: URL, transport: 'SSE', auth: { type: 'Bearer', bearer: { secretRef } } }),
  'static headers from Secrets': gateway({ url: URL, auth: { type: 'Headers', headers: [{ name: 'X-Api-Key', secretRef }] } }),
  'plain naming with access lists': virtualServer({ naming: 'Plain', tools: [{ gateway: 'gw' }], access: { users: ['alice'], groups: ['sre'] } }),
  'resources and prompts without tools': virtualServer({
    tools: undefined,
    resources: [{ gateway: 'gw', include: ['file:///docs/*', 'page://{id}'], exclude: ['*secret*'] }],
    prompts: [{ gateway: 'gw', include: ['summarize*'], rename: { summarize_issue: 'summary' } }],
  }),
};

/** One bad resource: where both enforcers must point and what they must say. */
export interface BadCase {
  readonly resource: Record<string, unknown>;
  /** The field path, e.g. `spec.auth.oauth.tokenUrl`. */
  readonly path: string;
  /** A fragment of the message. */
  readonly message: string;
}

export const badResources: Record<string, BadCase> = {
  'url with a non-http scheme': { resource: gateway({ url: 'ftp://example.com/mcp' }), path: 'spec.url', message: 'must be an absolute http or https URL with a host' },
  'url without a host': { resource: gateway({ url: '/relative/mcp' }), path: 'spec.url', message: 'must be an absolute http or https URL with a host' },
  'url with credentials': { resource: gateway({ url: 'https://user:pw@example.com/mcp' }), path: 'spec.url', message: 'must not contain credentials' },
  'unknown transport': { resource: gateway({ url: URL, transport: 'WebSocket' }), path: 'spec.transport', message: 'StreamableHTTP' },
  'Bearer without bearer': { resource: gateway({ url: URL, auth: { type: 'Bearer' } }), path: 'spec.auth.bearer', message: 'bearer is required when type is Bearer' },
  'bearer without type Bearer': {
    resource: gateway({ url: URL, auth: { bearer: { secretRef } } }),
    path: 'spec.auth.bearer',
    message: 'bearer is only used when type is Bearer',
  },
  'Headers without headers': { resource: gateway({ url: URL, auth: { type: 'Headers' } }), path: 'spec.auth.headers', message: 'headers is required when type is Headers' },
  'OAuth without oauth': { resource: gateway({ url: URL, auth: { type: 'OAuth' } }), path: 'spec.auth.oauth', message: 'oauth is required when type is OAuth' },
  'Static discovery without tokenUrl': {
    resource: gateway({ url: URL, auth: { type: 'OAuth', oauth: { discovery: 'Static', authorizationUrl: 'https://a.example.com/authorize', clientId: 'id' } } }),
    path: 'spec.auth.oauth.tokenUrl',
    message: 'tokenUrl is required for Static discovery',
  },
  'static endpoints (inferred) without authorizationUrl': {
    resource: gateway({ url: URL, auth: { type: 'OAuth', oauth: { tokenUrl: 'https://a.example.com/token', clientId: 'id' } } }),
    path: 'spec.auth.oauth.authorizationUrl',
    message: 'authorizationUrl is required for Static discovery with grantType AuthorizationCode',
  },
  'Issuer discovery without issuer': {
    resource: gateway({ url: URL, auth: { type: 'OAuth', oauth: { discovery: 'Issuer', clientId: 'id' } } }),
    path: 'spec.auth.oauth.issuer',
    message: 'issuer is required for Issuer discovery',
  },
  'issuer discovery without clientId': {
    resource: gateway({ url: URL, auth: { type: 'OAuth', oauth: { issuer: 'https://auth.example.com' } } }),
    path: 'spec.auth.oauth.clientId',
    message: 'clientId is required',
  },
  'ClientCredentials without clientSecretRef': {
    resource: gateway({ url: URL, auth: { type: 'OAuth', oauth: { grantType: 'ClientCredentials', tokenUrl: 'https://a.example.com/token', clientId: 'id' } } }),
    path: 'spec.auth.oauth.clientSecretRef',
    message: 'clientSecretRef is required for grantType ClientCredentials',
  },
  'ClientCredentials with MCP discovery and no clientId': {
    resource: gateway({ url: URL, auth: { type: 'OAuth', oauth: { grantType: 'ClientCredentials', discovery: 'MCP', clientSecretRef: secretRef } } }),
    path: 'spec.auth.oauth.clientId',
    message: 'clientId is required',
  },
  'health check interval below 5 s': { resource: gateway({ url: URL, healthCheck: { intervalSeconds: 1 } }), path: 'spec.healthCheck.intervalSeconds', message: '5' },
  'tool refresh interval below 30 s': { resource: gateway({ url: URL, toolRefresh: { intervalSeconds: 10 } }), path: 'spec.toolRefresh.intervalSeconds', message: '30' },
  'Secret name that is not a DNS name': {
    resource: gateway({ url: URL, auth: { type: 'Bearer', bearer: { secretRef: { name: 'Not_A_Name', key: 'token' } } } }),
    path: 'spec.auth.bearer.secretRef.name',
    message: '',
  },
  'VirtualServer without tools': { resource: virtualServer({ tools: [] }), path: 'spec.tools', message: '' },
  'VirtualServer selecting nothing': { resource: virtualServer({ tools: undefined, resources: [], prompts: [] }), path: 'spec.tools', message: 'needs at least one selector in tools, resources or prompts' },
  'prompt rename to an invalid name': {
    resource: virtualServer({ tools: undefined, prompts: [{ gateway: 'gw', rename: { a: 'has space' } }] }),
    path: 'spec.prompts[0].rename.a',
    message: '',
  },
  'rename to an invalid tool name': {
    resource: virtualServer({ tools: [{ gateway: 'gw', rename: { a: 'has space' } }] }),
    path: 'spec.tools[0].rename.a',
    message: '',
  },
  'more than 256 renames': {
    resource: virtualServer({ tools: [{ gateway: 'gw', rename: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`t${i}`, `n${i}`])) }] }),
    path: 'spec.tools[0].rename',
    message: '256',
  },
  'unknown naming policy': { resource: virtualServer({ naming: 'Fancy', tools: [{ gateway: 'gw' }] }), path: 'spec.naming', message: 'Prefixed' },
  'duplicate include entry': { resource: virtualServer({ tools: [{ gateway: 'gw', include: ['a', 'a'] }] }), path: 'spec.tools[0].include[1]', message: '' },
};
