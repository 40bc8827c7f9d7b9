/**
 * Request bodies of the proxy admin API (docs/admin-api.md) as zod schemas: what the proxy parses
 * and refuses, naming the field. Bodies accept ContextForge's snake_case and also camelCase (top
 * level and inside `oauth_config`); the parsed output is always snake_case. Unknown keys are
 * ignored, like ContextForge (`extra="ignore"`).
 */
import { z } from 'zod';

const HEX32 = /^[0-9a-f]{32}$/;
const GATEWAY_NAME = /^[a-zA-Z0-9_.\- ]+$/;

/** `fooBar` → `foo_bar`. */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Renames camelCase keys of a plain object to snake_case; a snake_case key wins over its camel twin. */
function snakeKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const s = snakeCase(k);
    if (s !== k && Object.hasOwn(value, s)) continue;
    out[s] = v;
  }
  return out;
}

/** A 32-hex id; dashed UUIDs and upper case are normalised like ContextForge does. */
export const Id = z.preprocess(
  (v) => (typeof v === 'string' ? v.replaceAll('-', '').toLowerCase() : v),
  z.string().regex(HEX32, 'must be 32 hexadecimal characters (a UUID without dashes)'),
);

const HttpUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials');

const StringList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
  z.array(z.string().min(1)),
);

/** `oauth_config` of a gateway. Secrets (`client_secret`) are write-only: responses mask them. */
export const OAuthConfig = z.preprocess(
  snakeKeys,
  z.object({
    grant_type: z.enum(['authorization_code', 'client_credentials']).default('authorization_code'),
    issuer: HttpUrl.optional(),
    authorization_url: HttpUrl.optional(),
    token_url: HttpUrl.optional(),
    redirect_uri: HttpUrl.optional(),
    scopes: StringList.default([]),
    audience: z.string().optional(),
    resource: z.string().optional(),
    client_id: z.string().min(1).optional(),
    client_secret: z.string().min(1).optional(),
    token_endpoint_auth_method: z.enum(['client_secret_post', 'client_secret_basic', 'none']).optional(),
    /** How endpoints are found. Defaults: `static` when `token_url` is given, else `issuer` when `issuer` is, else `mcp`. */
    discovery: z.enum(['static', 'issuer', 'mcp']).optional(),
  }),
);
export type OAuthConfig = z.output<typeof OAuthConfig>;

const AuthHeader = z.object({ key: z.string().min(1).regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'), value: z.string() });

const gatewayFields = {
  id: Id.optional(),
  name: z.string().trim().min(1, { error: 'must not be empty', abort: true }).max(255).regex(GATEWAY_NAME, 'may contain only letters, digits, space, "_", "." and "-"'),
  url: HttpUrl,
  transport: z.preprocess(
    (v) => (typeof v === 'string' ? v.toUpperCase() : v),
    z
      .enum(['STREAMABLEHTTP', 'SSE'], {
        error: (issue) =>
          `${JSON.stringify(issue.input)?.slice(0, 40) ?? 'this value'} is not supported: use "STREAMABLEHTTP" (MCP Streamable HTTP) or "SSE" (the legacy HTTP+SSE transport); a stdio server needs an HTTP bridge in front of it`,
      })
      .default('SSE'),
  ),
  description: z.string().max(4096).nullish(),
  auth_type: z.preprocess(
    (v) => (v === null || v === undefined || v === '' ? 'none' : typeof v === 'string' ? v.toLowerCase() : v),
    z.enum(['none', 'bearer', 'authheaders', 'oauth']),
  ),
  auth_token: z.string().min(1).nullish(),
  auth_headers: z.array(AuthHeader).nullish(),
  auth_header_key: z.string().nullish(),
  auth_header_value: z.string().nullish(),
  oauth_config: OAuthConfig.nullish(),
  namespace: z.string().min(1).max(253).default('default'),
  health_check_interval_seconds: z.number().int().min(1).max(86_400).default(30),
  /** A health check's deadline; a value above the interval acts as the interval. */
  health_check_timeout_seconds: z.number().int().min(1).max(300).default(10),
  refresh_interval_seconds: z.number().int().min(1).max(86_400).default(300),
  allow_private_network: z.boolean().default(false),
  enabled: z.boolean().default(true),
};

function checkGatewayAuth(g: { auth_type: string; auth_token?: string | null | undefined; auth_headers?: unknown[] | null | undefined; oauth_config?: OAuthConfig | null | undefined }, ctx: z.RefinementCtx): void {
  if (g.auth_type === 'bearer' && !g.auth_token) {
    ctx.addIssue({ code: 'custom', path: ['auth_token'], message: 'is required when auth_type is "bearer"' });
  }
  if (g.auth_type === 'authheaders' && !(g.auth_headers && g.auth_headers.length > 0)) {
    ctx.addIssue({ code: 'custom', path: ['auth_headers'], message: 'needs at least one {key, value} when auth_type is "authheaders"' });
  }
  if (g.auth_type === 'oauth') {
    const o = g.oauth_config;
    if (!o) {
      ctx.addIssue({ code: 'custom', path: ['oauth_config'], message: 'is required when auth_type is "oauth"' });
      return;
    }
    if (o.grant_type === 'client_credentials') {
      if (!o.token_url && !o.issuer) ctx.addIssue({ code: 'custom', path: ['oauth_config', 'token_url'], message: 'or oauth_config.issuer is required for grant_type "client_credentials"' });
      if (!o.client_id) ctx.addIssue({ code: 'custom', path: ['oauth_config', 'client_id'], message: 'is required for grant_type "client_credentials"' });
    }
    if (o.discovery === 'static' && (!o.token_url || (o.grant_type === 'authorization_code' && !o.authorization_url))) {
      ctx.addIssue({ code: 'custom', path: ['oauth_config', o.token_url ? 'authorization_url' : 'token_url'], message: 'is required when discovery is "static"' });
    }
    if (o.discovery === 'issuer' && !o.issuer) {
      ctx.addIssue({ code: 'custom', path: ['oauth_config', 'issuer'], message: 'is required when discovery is "issuer"' });
    }
  }
}

/**
 * Body of `POST /gateways` and `PUT /gateways/{id}` (a PUT is a full replace).
 *
 * Defaults: `transport` SSE, `auth_type` none, `namespace` "default", health check every 30 s,
 * tool refresh every 300 s, `allow_private_network` false, `enabled` true.
 */
export const GatewayCreate = z.preprocess(snakeKeys, z.object(gatewayFields).superRefine(checkGatewayAuth));
export type GatewayCreate = z.output<typeof GatewayCreate>;
/** Body of `PUT /gateways/{id}`: the same as create; `id`, when present, must equal the path id. */
export const GatewayUpdate = GatewayCreate;
export type GatewayUpdate = GatewayCreate;

/** One tool selector of a virtual server: which tools of one gateway, and under which names. */
export const ToolSelector = z.preprocess(
  snakeKeys,
  z.object({
    gateway_id: Id,
    /** Names or globs (`*`, `?`) of upstream tools. Omitted or empty = all. */
    include: z.array(z.string().min(1)).optional(),
    exclude: z.array(z.string().min(1)).optional(),
    /** Upstream name → name served to agents (used verbatim, no prefix). */
    rename: z.record(z.string().min(1), z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must match ^[A-Za-z0-9._-]{1,128}$ (MCP tool name)')).optional(),
  }),
);
export type ToolSelector = z.output<typeof ToolSelector>;

/** One resource selector: which resources and resource templates of one gateway (URIs are never renamed). */
export const ResourceSelector = z.preprocess(
  snakeKeys,
  z.object({
    gateway_id: Id,
    /** URIs, URI templates or globs (`*`, `?`) over them. Omitted or empty = all. */
    include: z.array(z.string().min(1)).optional(),
    exclude: z.array(z.string().min(1)).optional(),
  }),
);
export type ResourceSelector = z.output<typeof ResourceSelector>;

/** One prompt selector: like a tool selector, over prompt names. */
export const PromptSelector = ToolSelector;
export type PromptSelector = ToolSelector;

const IdList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v === null ? [] : v),
  z.array(Id).default([]),
);

const serverFields = {
  id: Id.optional(),
  name: z.string().trim().min(1).max(255),
  description: z.string().max(4096).nullish(),
  visibility: z.enum(['private', 'team', 'public']).default('public'),
  associated_tools: IdList,
  /** Resource (or resource template) ids, as `GET /resources` lists them. */
  associated_resources: IdList,
  /** Prompt ids, as `GET /prompts` lists them. */
  associated_prompts: IdList,
  namespace: z.string().min(1).max(253).default('default'),
  tool_selectors: z.array(ToolSelector).default([]),
  resource_selectors: z.array(ResourceSelector).default([]),
  prompt_selectors: z.array(PromptSelector).default([]),
  naming: z.enum(['Prefixed', 'Plain']).default('Prefixed'),
  access: z
    .object({ users: z.array(z.string().min(1)).default([]), groups: z.array(z.string().min(1)).default([]) })
    .default({ users: [], groups: [] }),
};

/** A virtual server body (the inner `server` of `POST /servers`; the whole body of `PUT /servers/{id}`). */
export const ServerSpec = z.preprocess(snakeKeys, z.object(serverFields));
export type ServerSpec = z.output<typeof ServerSpec>;
/** Body of `POST /servers`: `{"server": {...}}` (ContextForge's embedded form). Top-level `team_id`/`visibility` are ignored. */
export const ServerCreate = z.object({ server: ServerSpec });
export type ServerCreate = z.output<typeof ServerCreate>;
/** Body of `PUT /servers/{id}`: a bare server body, a full replace. */
export const ServerUpdate = ServerSpec;
export type ServerUpdate = ServerSpec;

/** Body of `POST /tools/invoke`. `server_id` is an id or a name; `tool_name` as the server exposes it. */
export const ToolInvoke = z.preprocess(
  snakeKeys,
  z.object({
    server_id: z.string().min(1),
    tool_name: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).default({}),
  }),
);
export type ToolInvoke = z.output<typeof ToolInvoke>;

/** Body of `POST /state/synced`. */
export const StateSynced = z.object({ digest: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest') });
export type StateSynced = z.output<typeof StateSynced>;
