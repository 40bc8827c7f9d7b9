/**
 * Request bodies as callers write them (snake_case JSON): the shapes the typed admin client
 * (`client.ts`) sends. The schemas of `requests.ts` accept more (camelCase, ContextForge aliases).
 */
export interface GatewayBody {
  id?: string;
  name: string;
  url: string;
  transport?: 'STREAMABLEHTTP' | 'SSE';
  description?: string;
  auth_type?: 'none' | 'bearer' | 'authheaders' | 'oauth';
  auth_token?: string;
  auth_headers?: { key: string; value: string }[];
  oauth_config?: {
    grant_type?: 'authorization_code' | 'client_credentials';
    issuer?: string;
    authorization_url?: string;
    token_url?: string;
    redirect_uri?: string;
    scopes?: string[];
    audience?: string;
    resource?: string;
    client_id?: string;
    client_secret?: string;
    token_endpoint_auth_method?: 'client_secret_post' | 'client_secret_basic' | 'none';
    discovery?: 'static' | 'issuer' | 'mcp';
  };
  namespace?: string;
  health_check_interval_seconds?: number;
  health_check_timeout_seconds?: number;
  refresh_interval_seconds?: number;
  allow_private_network?: boolean;
  enabled?: boolean;
}

export interface ServerBody {
  id?: string;
  name: string;
  description?: string;
  visibility?: 'private' | 'team' | 'public';
  associated_tools?: string[];
  namespace?: string;
  associated_resources?: string[];
  associated_prompts?: string[];
  tool_selectors?: { gateway_id: string; include?: string[]; exclude?: string[]; rename?: Record<string, string> }[];
  resource_selectors?: { gateway_id: string; include?: string[]; exclude?: string[] }[];
  prompt_selectors?: { gateway_id: string; include?: string[]; exclude?: string[]; rename?: Record<string, string> }[];
  naming?: 'Prefixed' | 'Plain';
  access?: { users?: string[]; groups?: string[] };
}
