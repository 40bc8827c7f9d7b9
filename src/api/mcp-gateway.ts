/**
 * McpGateway: one upstream MCP server, how to reach it and how to authenticate to it. The zod
 * schemas here are the single source of truth: the CRD in `crds/` is generated from them.
 */
import { z } from 'zod';
import { Conditions } from './conditions.ts';
import { count, httpUrl, mapListOf, ObjectMeta, SecretKeyRef, setOf } from './fields.ts';
import { API_VERSION } from './names.ts';
import { ReplicaStatuses } from './replica-status.ts';
import { withRules } from './rules.ts';

/** How endpoints of the authorization server are found. */
export const OAuthDiscovery = z
  .enum(['Auto', 'Static', 'Issuer', 'MCP'])
  .default('Auto')
  .describe(
    'How the authorization server is found. Static: authorizationUrl and tokenUrl as given. ' +
      'Issuer: OpenID Connect / RFC 8414 discovery from issuer. MCP: the MCP authorization spec, ' +
      "starting from the upstream's RFC 9728 protected-resource metadata (dynamic client registration " +
      'when no clientId is given). Auto (default): Issuer when issuer is set, else Static when ' +
      'authorizationUrl or tokenUrl is set, else MCP.',
  );

/** The discovery mode after resolving `Auto`; see {@link resolveDiscovery}. */
export type ResolvedDiscovery = 'Static' | 'Issuer' | 'MCP';

// CEL for "Static, given or inferred by Auto"; the TS twin is resolveDiscovery().
const STATIC_CEL =
  "(self.discovery == 'Static' || (self.discovery == 'Auto' && !has(self.issuer) && (has(self.authorizationUrl) || has(self.tokenUrl))))";
const MCP_CEL =
  "(self.discovery == 'MCP' || (self.discovery == 'Auto' && !has(self.issuer) && !has(self.authorizationUrl) && !has(self.tokenUrl)))";

const OAuthFields = z.strictObject({
  grantType: z
    .enum(['AuthorizationCode', 'ClientCredentials'])
    .default('AuthorizationCode')
    .describe(
      'AuthorizationCode (default): each user consents once (OAuth 2.0 3LO, PKCE) and the proxy ' +
        "injects that user's token. ClientCredentials: one token shared by all users.",
    ),
  discovery: OAuthDiscovery,
  issuer: httpUrl('Issuer URL of the authorization server, for Issuer discovery, e.g. https://auth.atlassian.com.').optional(),
  authorizationUrl: httpUrl('Authorization endpoint, for Static discovery with AuthorizationCode.').optional(),
  tokenUrl: httpUrl('Token endpoint, for Static discovery.').optional(),
  audience: z.string().min(1).max(512).optional().describe('The audience parameter sent to the authorization server (Atlassian: api.atlassian.com).'),
  resource: z.string().min(1).max(2048).optional().describe('RFC 8707 resource indicator sent on every request. Defaults to the upstream URL for MCP discovery.'),
  scopes: setOf(
    z.string().min(1).max(256).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be one scope token without spaces'),
    64,
    'Scopes requested from the authorization server.',
  ).optional(),
  clientId: z.string().min(1).max(512).optional().describe('OAuth client id. Required unless MCP discovery registers a client dynamically.'),
  clientSecretRef: SecretKeyRef.optional().describe('The Secret key holding the OAuth client secret. Required for ClientCredentials.'),
});
type OAuthFields = z.output<typeof OAuthFields>;

/**
 * The discovery mode in effect: `Auto` becomes Issuer when `issuer` is set, else Static when
 * `authorizationUrl` or `tokenUrl` is set, else MCP.
 */
export function resolveDiscovery(oauth: Pick<OAuthFields, 'discovery' | 'issuer' | 'authorizationUrl' | 'tokenUrl'>): ResolvedDiscovery {
  if (oauth.discovery !== 'Auto') return oauth.discovery;
  if (oauth.issuer !== undefined) return 'Issuer';
  if (oauth.authorizationUrl !== undefined || oauth.tokenUrl !== undefined) return 'Static';
  return 'MCP';
}

/** OAuth 2.0 settings for an upstream that needs them (`auth.type: OAuth`). */
export const OAuthSpec = withRules(OAuthFields, [
  {
    rule: `!${STATIC_CEL} || has(self.tokenUrl)`,
    message: 'tokenUrl is required for Static discovery',
    field: 'tokenUrl',
    reason: 'FieldValueRequired',
    holds: (o) => resolveDiscovery(o) !== 'Static' || o.tokenUrl !== undefined,
  },
  {
    rule: `!${STATIC_CEL} || self.grantType != 'AuthorizationCode' || has(self.authorizationUrl)`,
    message: 'authorizationUrl is required for Static discovery with grantType AuthorizationCode',
    field: 'authorizationUrl',
    reason: 'FieldValueRequired',
    holds: (o) => resolveDiscovery(o) !== 'Static' || o.grantType !== 'AuthorizationCode' || o.authorizationUrl !== undefined,
  },
  {
    rule: "self.discovery != 'Issuer' || has(self.issuer)",
    message: 'issuer is required for Issuer discovery',
    field: 'issuer',
    reason: 'FieldValueRequired',
    holds: (o) => o.discovery !== 'Issuer' || o.issuer !== undefined,
  },
  {
    rule: `has(self.clientId) || (${MCP_CEL} && self.grantType == 'AuthorizationCode')`,
    message: 'clientId is required, except for AuthorizationCode with MCP discovery (which can register a client dynamically)',
    field: 'clientId',
    reason: 'FieldValueRequired',
    holds: (o) => o.clientId !== undefined || (resolveDiscovery(o) === 'MCP' && o.grantType === 'AuthorizationCode'),
  },
  {
    rule: "self.grantType != 'ClientCredentials' || has(self.clientSecretRef)",
    message: 'clientSecretRef is required for grantType ClientCredentials',
    field: 'clientSecretRef',
    reason: 'FieldValueRequired',
    holds: (o) => o.grantType !== 'ClientCredentials' || o.clientSecretRef !== undefined,
  },
]).describe('OAuth 2.0 settings; used when type is OAuth.');
export type OAuthSpec = z.infer<typeof OAuthSpec>;

/** A static header sent on every upstream request, its value from a Secret. */
export const HeaderAuth = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name (RFC 9110 token)')
      .describe('HTTP header name, e.g. X-Api-Key.'),
    secretRef: SecretKeyRef.describe('The Secret key holding the header value.'),
  })
  .describe('A header sent on every request to the upstream.');
export type HeaderAuth = z.infer<typeof HeaderAuth>;

/** Auth types. */
export const AuthType = z
  .enum(['None', 'Bearer', 'Headers', 'OAuth'])
  .default('None')
  .describe('None (default), Bearer (a static token), Headers (static headers), or OAuth (OAuth 2.0, per user or shared).');

function presenceRules(type: 'Bearer' | 'Headers' | 'OAuth', field: 'bearer' | 'headers' | 'oauth') {
  return [
    {
      rule: `self.type != '${type}' || has(self.${field})`,
      message: `${field} is required when type is ${type}`,
      field,
      reason: 'FieldValueRequired' as const,
      holds: (a: { type: string } & Record<string, unknown>) => a.type !== type || a[field] !== undefined,
    },
    {
      rule: `!has(self.${field}) || self.type == '${type}'`,
      message: `${field} is only used when type is ${type}: set type: ${type} or remove ${field}`,
      field,
      reason: 'FieldValueForbidden' as const,
      holds: (a: { type: string } & Record<string, unknown>) => a[field] === undefined || a.type === type,
    },
  ];
}

/** How the proxy authenticates to the upstream. Secret values only ever by reference. */
export const AuthSpec = withRules(
  z.strictObject({
    type: AuthType,
    bearer: z
      .strictObject({ secretRef: SecretKeyRef.describe('The Secret key holding the bearer token.') })
      .optional()
      .describe('A static bearer token; used when type is Bearer.'),
    headers: mapListOf(HeaderAuth, 'name', 32, 'Static headers; used when type is Headers.').min(1).optional(),
    oauth: OAuthSpec.optional(),
  }),
  [...presenceRules('Bearer', 'bearer'), ...presenceRules('Headers', 'headers'), ...presenceRules('OAuth', 'oauth')],
).describe('How the proxy authenticates to the upstream. Defaults to type None.');
export type AuthSpec = z.infer<typeof AuthSpec>;

/** Periodic health checks of the upstream. */
export const HealthCheckSpec = z
  .strictObject({
    intervalSeconds: z.int().min(5).max(86400).default(30).describe('Seconds between health checks. Defaults to 30; at least 5.'),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(300)
      .default(10)
      .describe('Seconds before a health check fails. Defaults to 10; a value above intervalSeconds acts as intervalSeconds.'),
  })
  .describe('Periodic health checks of the upstream.');

/** Periodic refresh of the upstream's tool list. */
export const ToolRefreshSpec = z
  .strictObject({
    intervalSeconds: z.int().min(30).max(86400).default(300).describe('Seconds between tool-list refreshes. Defaults to 300; at least 30.'),
  })
  .describe("Periodic refresh of the upstream's tool list (also refreshed on the upstream's list_changed notification).");

/** The desired state of an McpGateway. */
export const McpGatewaySpec = z
  .strictObject({
    url: httpUrl('URL of the upstream MCP endpoint, e.g. https://mcp.atlassian.com/v1/mcp (http or https).'),
    transport: z
      .enum(['StreamableHTTP', 'SSE'])
      .default('StreamableHTTP')
      .describe('MCP transport of the upstream: StreamableHTTP (default) or SSE (the older HTTP+SSE transport).'),
    description: z.string().max(1024).optional().describe('Human-readable description of the upstream.'),
    // The default is explicit (not {}): kube-apiserver checks a default against CEL before defaulting inside it.
    auth: AuthSpec.prefault({ type: 'None' }),
    healthCheck: HealthCheckSpec.prefault({}),
    toolRefresh: ToolRefreshSpec.prefault({}),
    allowPrivateNetwork: z
      .boolean()
      .default(false)
      .describe('Allow url to resolve to loopback, link-local or private addresses. Defaults to false (SSRF protection).'),
  })
  .describe('McpGatewaySpec: one upstream MCP server and how to authenticate to it.');
export type McpGatewaySpec = z.infer<typeof McpGatewaySpec>;

/** The observed state of an McpGateway, written by the operator. */
export const McpGatewayStatus = z
  .object({
    observedGeneration: count('The metadata.generation the status was computed for.').optional().meta({ format: 'int64' }),
    conditions: Conditions.optional(),
    toolCount: count('Number of tools the upstream offers.').optional(),
    resourceCount: count('Number of resources the upstream lists.').optional(),
    resourceTemplateCount: count('Number of resource templates the upstream lists.').optional(),
    promptCount: count('Number of prompts the upstream offers.').optional(),
    authorizedUsers: count('Number of users with a stored OAuth token (a count, never names).').optional(),
    replicas: ReplicaStatuses.optional(),
  })
  .describe('McpGatewayStatus: what the proxy replicas (or ContextForge) observe of the upstream.');
export type McpGatewayStatus = z.infer<typeof McpGatewayStatus>;

/** A whole McpGateway resource. */
export const McpGateway = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('McpGateway'),
  metadata: ObjectMeta,
  spec: McpGatewaySpec,
  status: McpGatewayStatus.optional(),
});
export type McpGateway = z.infer<typeof McpGateway>;
