/**
 * The seam through which upstream credentials reach upstream requests.
 *
 * The proxy asks `headersFor(gateway, user)` before every upstream HTTP request (so refreshed tokens
 * take effect at once) and adds the answer to the request. The agent's own token is never among
 * them. Static auth (none, Bearer, headers) is `staticCredentials`; the OAuth relay provides an
 * implementation for `auth_type: oauth` gateways and delegates the others to `staticCredentials`.
 */
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';

export interface UpstreamCredentials {
  /**
   * Headers to add to a request to `gateway`'s upstream on behalf of `user` (undefined for the
   * proxy's own requests: discovery, health checks).
   *
   * @throws ConsentRequiredError when the gateway needs a per-user token the user has not granted.
   * @throws UpstreamAuthError when credentials exist but cannot be used (refresh failed, misconfigured).
   */
  headersFor(gateway: GatewayRegistration, user: AgentIdentity | undefined, signal?: AbortSignal): Promise<Record<string, string>>;
  /** How many users hold a usable token for `gateway` (reported as `authorizedUsers`). Optional. */
  authorizedUsers?(gateway: GatewayRegistration): number;
  /**
   * Why no consented user's token is usable for `gateway`, when the credentials know it (e.g. the
   * gateway was retargeted since they consented); reported as the gateway's `lastError` while it has
   * no tools. Synchronous: may answer undefined while it finds out. Optional.
   */
  consentNote?(gateway: GatewayRegistration): string | undefined;
}

/** The user has not consented for this gateway yet; `consentUrl` is where they can. */
export class ConsentRequiredError extends Error {
  override name = 'ConsentRequiredError';
  readonly code = 'ERR_CONSENT_REQUIRED' as const;
  readonly gatewayId: string;
  readonly consentUrl: string;
  constructor(init: { gatewayId: string; consentUrl: string; message?: string }) {
    super(init.message ?? `authorization required for gateway ${init.gatewayId}: open ${init.consentUrl}`);
    this.gatewayId = init.gatewayId;
    this.consentUrl = init.consentUrl;
  }
}

/** Credentials for the upstream exist but cannot be used. The message never contains a secret. */
export class UpstreamAuthError extends Error {
  override name = 'UpstreamAuthError';
  readonly code: 'ERR_UPSTREAM_AUTH' | 'ERR_OAUTH_NOT_CONFIGURED';
  readonly gatewayId: string;
  constructor(init: { gatewayId: string; message: string; code?: 'ERR_UPSTREAM_AUTH' | 'ERR_OAUTH_NOT_CONFIGURED'; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code ?? 'ERR_UPSTREAM_AUTH';
    this.gatewayId = init.gatewayId;
  }
}

/**
 * Which upstream session a request may share: `"shared"` for static credentials and
 * client-credentials OAuth (one identity for everyone), `"user:<sub>"` for per-user OAuth
 * (authorization_code). Never shares a session between users who authenticate upstream as
 * themselves.
 */
export function credentialScope(gateway: GatewayRegistration, user: AgentIdentity | undefined): string {
  const s = gateway.spec;
  if (s.auth_type === 'oauth' && (s.oauth_config?.grant_type ?? 'authorization_code') === 'authorization_code') {
    return user ? `user:${user.user}` : 'anonymous';
  }
  return 'shared';
}

const staticCache = new WeakMap<GatewayRegistration, Record<string, string>>();

/**
 * Credentials from the registration itself: `none` → no headers, `bearer` → `Authorization:
 * Bearer <auth_token>`, `authheaders` → the listed headers. OAuth gateways are refused with
 * `ERR_OAUTH_NOT_CONFIGURED` (no OAuth relay is plugged in).
 */
export const staticCredentials: UpstreamCredentials = {
  async headersFor(gateway) {
    const cached = staticCache.get(gateway);
    if (cached) return cached;
    const s = gateway.spec;
    let headers: Record<string, string>;
    switch (s.auth_type) {
      case 'none':
        headers = {};
        break;
      case 'bearer':
        headers = { authorization: `Bearer ${s.auth_token ?? ''}` };
        break;
      case 'authheaders':
        headers = {};
        for (const h of s.auth_headers ?? []) headers[h.key.toLowerCase()] = h.value;
        if (s.auth_header_key && s.auth_header_value) headers[s.auth_header_key.toLowerCase()] = s.auth_header_value;
        break;
      case 'oauth':
        throw new UpstreamAuthError({ gatewayId: gateway.id, code: 'ERR_OAUTH_NOT_CONFIGURED', message: `gateway ${gateway.spec.name} uses OAuth but this proxy has no OAuth relay configured` });
    }
    staticCache.set(gateway, headers);
    return headers;
  },
};
