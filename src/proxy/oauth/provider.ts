/**
 * Turns a gateway's `oauth_config` into an openid-client `Configuration` plus the extra parameters
 * every request needs. Three kinds (`oauth_config.discovery`; default `static` when `token_url` is
 * given, else `issuer` when `issuer` is, else `mcp`):
 *
 * - `static`: the seed's `authorization_url` / `token_url`. Query parameters already on
 *   `authorization_url` (Atlassian's `audience=api.atlassian.com`) are kept.
 * - `issuer`: OIDC discovery, then RFC 8414 (`/.well-known/oauth-authorization-server`).
 * - `mcp`: RFC 9728 metadata of the upstream → its authorization server (RFC 8414, then OIDC) →
 *   RFC 7591 dynamic client registration when no `client_id` is configured. `resource` (RFC 8707)
 *   is the metadata's `resource` and goes on every authorize, token and refresh request.
 *
 * Resolved providers are cached per gateway id and `specHash`.
 */
import * as client from 'openid-client';
import { z } from 'zod';
import { isVaultError, type TokenVault } from '../../vault/index.ts';
import type { OAuthConfig } from '../../contract/wire.ts';
import type { GatewayRegistration } from '../registry/types.ts';
import { ProxyError } from '../errors.ts';
import { relayErrorIn } from './errors.ts';
import { discoverProtectedResource } from './protected-resource.ts';
import { checkOutboundUrl, guardedFetch, type UrlPolicy } from './url-guard.ts';

export type ProviderKind = 'static' | 'issuer' | 'mcp';

export interface ResolvedProvider {
  kind: ProviderKind;
  config: client.Configuration;
  /** Added to the authorization URL: the authorization_url's own query, `audience`, `resource`, `prompt`. */
  authorizeParams: Record<string, string>;
  /** Added to code, refresh and client-credentials token requests: `resource` (and `audience` for client credentials). */
  tokenParams: Record<string, string>;
  /** Space-separated scopes to request (may be empty). */
  scope: string;
  redirectUri: string;
}

export interface ProviderResolverOptions {
  /** Base outbound policy; `allowPrivateNetwork` comes from each gateway's `allow_private_network`. */
  policy: UrlPolicy;
  /**
   * Callback URL used when a gateway sets no `redirect_uri` (the relay's: `<publicUrl>/oauth/callback/<namespace>/<name>`,
   * one per gateway); read at resolve time.
   */
  defaultRedirectUri: string | ((gateway: GatewayRegistration) => string);
  /** Name registered for dynamically registered clients. Defaults to "mcp-gitops". */
  clientName?: string;
  /** Provider request timeout in seconds; keep it below the vault's refresh lease. Defaults to 15. */
  timeoutSeconds?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * Where dynamically registered clients are kept (sealed, per gateway) so every replica uses the
   * same one: a refresh token issued to one client is useless to another. Without it each replica
   * registers its own (fine for one replica).
   */
  vault?: TokenVault;
}

/** The sealed per-gateway document holding a dynamically registered client. */
export const REGISTERED_CLIENT_DOCUMENT = 'oauth-client';
const RegisteredClient = z.object({ issuer: z.string(), redirect_uri: z.string(), client_id: z.string(), client_secret: z.string().optional() });
type RegisteredClient = z.infer<typeof RegisteredClient>;

export function providerKind(config: OAuthConfig): ProviderKind {
  return config.discovery ?? (config.token_url ? 'static' : config.issuer ? 'issuer' : 'mcp');
}

export class ProviderResolver {
  readonly #options: ProviderResolverOptions;
  readonly #cache = new Map<string, { specHash: string; provider: Promise<ResolvedProvider> }>();

  constructor(options: ProviderResolverOptions) {
    this.#options = options;
  }

  /** The provider for `gateway` (cached until its `specHash` changes; failures are not cached). */
  resolve(gateway: GatewayRegistration): Promise<ResolvedProvider> {
    const cached = this.#cache.get(gateway.id);
    if (cached !== undefined && cached.specHash === gateway.specHash) return cached.provider;
    const provider = this.#resolve(gateway);
    this.#cache.set(gateway.id, { specHash: gateway.specHash, provider });
    provider.catch(() => {
      if (this.#cache.get(gateway.id)?.provider === provider) this.#cache.delete(gateway.id);
    });
    return provider;
  }

  /** Forgets a gateway (deleted or changed). */
  forget(gatewayId: string): void {
    this.#cache.delete(gatewayId);
  }

  async #resolve(gateway: GatewayRegistration): Promise<ResolvedProvider> {
    const oauth = gateway.spec.oauth_config;
    if (!oauth) throw new ProxyError('ERR_OAUTH_NOT_PER_USER', `gateway ${gateway.spec.name} has no oauth_config`);
    const policy: UrlPolicy = { ...this.#options.policy, allowPrivateNetwork: this.#options.policy.allowPrivateNetwork || gateway.spec.allow_private_network };
    const fetchFn = guardedFetch(policy, `OAuth URL of gateway ${gateway.spec.name}`, this.#options.fetch ?? fetch);
    const fallbackRedirect = this.#options.defaultRedirectUri;
    const redirectUri = oauth.redirect_uri ?? (typeof fallbackRedirect === 'function' ? fallbackRedirect(gateway) : fallbackRedirect);
    const kind = providerKind(oauth);
    // Configured endpoints are checked up front (the browser visits authorization_url; we call the rest).
    for (const [field, value] of [['issuer', oauth.issuer], ['authorization_url', oauth.authorization_url], ['token_url', oauth.token_url]] as const) {
      if (value) await checkOutboundUrl(value, policy, `gateway ${gateway.spec.name}: oauth_config.${field}`);
    }
    const auth = clientAuth(oauth);
    const common = {
      [client.customFetch]: fetchFn as client.CustomFetch,
      timeout: this.#options.timeoutSeconds ?? 15,
    };

    const authorizeParams: Record<string, string> = {};
    const tokenParams: Record<string, string> = {};
    let scopes = [...oauth.scopes];
    let config: client.Configuration;

    if (kind === 'static') {
      if (!oauth.token_url) throw new ProxyError('ERR_OAUTH_DISCOVERY_FAILED', `gateway ${gateway.spec.name}: oauth_config.token_url is required for static endpoints`);
      let authorizationEndpoint: string | undefined;
      if (oauth.authorization_url) {
        const url = new URL(oauth.authorization_url);
        for (const [k, v] of url.searchParams) authorizeParams[k] = v;
        url.search = '';
        authorizationEndpoint = url.href;
      }
      const metadata: client.ServerMetadata = {
        issuer: oauth.issuer ?? new URL(oauth.token_url).origin,
        token_endpoint: oauth.token_url,
        ...(authorizationEndpoint ? { authorization_endpoint: authorizationEndpoint } : {}),
      };
      config = new client.Configuration(metadata, requireClientId(gateway, oauth), clientMetadata(oauth), auth);
      config[client.customFetch] = common[client.customFetch];
      config.timeout = common.timeout;
      if (usesHttp(metadata.token_endpoint!, authorizationEndpoint)) client.allowInsecureRequests(config);
    } else if (kind === 'issuer') {
      const issuer = new URL(oauth.issuer!);
      config = await discover(issuer, requireClientId(gateway, oauth), clientMetadata(oauth), auth, common, gateway);
    } else {
      const prm = await discoverProtectedResource(gateway.spec.url, fetchFn).catch((error) => {
        throw wrap(error, 'ERR_OAUTH_DISCOVERY_FAILED', `gateway ${gateway.spec.name}: protected-resource metadata discovery failed`);
      });
      tokenParams.resource = oauth.resource ?? prm.resource;
      if (scopes.length === 0 && prm.scopes_supported) scopes = prm.scopes_supported;
      const issuer = new URL(oauth.issuer ?? prm.authorization_servers[0]!);
      if (oauth.client_id) {
        config = await discover(issuer, oauth.client_id, clientMetadata(oauth), auth, common, gateway, ['oauth2', 'oidc']);
      } else {
        config = await this.#registeredClient(issuer, redirectUri, common, gateway);
      }
    }

    if (oauth.resource) tokenParams.resource = oauth.resource;
    if (tokenParams.resource) authorizeParams.resource = tokenParams.resource;
    if (oauth.audience) authorizeParams.audience = oauth.audience;
    authorizeParams.prompt ??= 'consent';
    return { kind, config, authorizeParams, tokenParams, scope: scopes.join(' '), redirectUri };
  }

  /**
   * The gateway's dynamically registered client: the one stored in the vault when it matches the
   * issuer and redirect URI, else a new registration stored with create-only compare-and-swap
   * (when two replicas register at once, both end up using the stored winner).
   */
  async #registeredClient(issuer: URL, redirectUri: string, common: Common, gateway: GatewayRegistration): Promise<client.Configuration> {
    const vault = this.#options.vault;
    const namespace = gateway.spec.namespace;
    // An unreadable stored registration is treated as none: we register again and store the winner.
    const stored = await vault?.getDocument(namespace, gateway.id, REGISTERED_CLIENT_DOCUMENT).catch(() => undefined);
    const usable = (doc: { value: unknown } | undefined): RegisteredClient | undefined => {
      const parsed = RegisteredClient.safeParse(doc?.value);
      return parsed.success && parsed.data.issuer === issuer.href && parsed.data.redirect_uri === redirectUri ? parsed.data : undefined;
    };
    const fromStore = (c: RegisteredClient) =>
      discover(issuer, c.client_id, c.client_secret ? { client_secret: c.client_secret } : undefined, c.client_secret ? client.ClientSecretPost(c.client_secret) : client.None(), common, gateway, ['oauth2', 'oidc']);
    const existing = usable(stored);
    if (existing) return fromStore(existing);

    const config = await register(issuer, redirectUri, this.#options.clientName ?? 'mcp-gitops', common, gateway);
    if (vault === undefined) return config;
    const metadata = config.clientMetadata();
    const registered: RegisteredClient = {
      issuer: issuer.href,
      redirect_uri: redirectUri,
      client_id: metadata.client_id,
      ...(typeof metadata.client_secret === 'string' ? { client_secret: metadata.client_secret } : {}),
    };
    try {
      await vault.putDocument(namespace, gateway.id, REGISTERED_CLIENT_DOCUMENT, registered, { ifVersion: stored?.version ?? null });
      return config;
    } catch (error) {
      if (!isVaultError(error, 'ERR_VAULT_CONFLICT')) throw error;
      const winner = usable(await vault.getDocument(namespace, gateway.id, REGISTERED_CLIENT_DOCUMENT));
      return winner ? fromStore(winner) : config;
    }
  }
}

type Common = { [client.customFetch]: client.CustomFetch; timeout: number };

async function discover(
  issuer: URL,
  clientId: string,
  metadata: Partial<client.ClientMetadata> | undefined,
  auth: client.ClientAuth,
  common: Common,
  gateway: GatewayRegistration,
  order: ReadonlyArray<'oidc' | 'oauth2'> = ['oidc', 'oauth2'],
): Promise<client.Configuration> {
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
  const problems: string[] = [];
  for (const algorithm of order) {
    try {
      return await client.discovery(issuer, clientId, metadata, auth, { ...common, execute, algorithm });
    } catch (error) {
      const relayError = relayErrorIn(error);
      if (relayError) throw relayError;
      problems.push(`${algorithm === 'oidc' ? 'OpenID' : 'RFC 8414'} discovery: ${(error as Error).message}`);
    }
  }
  throw new ProxyError('ERR_OAUTH_DISCOVERY_FAILED', `gateway ${gateway.spec.name}: no authorization server metadata for issuer ${issuer.href} (${problems.join('; ')})`);
}

async function register(
  issuer: URL,
  redirectUri: string,
  clientName: string,
  common: Common,
  gateway: GatewayRegistration,
): Promise<client.Configuration> {
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
  const metadata: Partial<client.ClientMetadata> = {
    client_name: clientName,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
  };
  const problems: string[] = [];
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    try {
      return await client.dynamicClientRegistration(issuer, metadata, client.None(), { ...common, execute, algorithm });
    } catch (error) {
      const relayError = relayErrorIn(error);
      if (relayError) throw relayError;
      problems.push(`${algorithm}: ${(error as Error).message}`);
    }
  }
  throw new ProxyError('ERR_OAUTH_REGISTRATION_FAILED', `gateway ${gateway.spec.name}: dynamic client registration at ${issuer.href} failed (${problems.join('; ')})`);
}

function clientAuth(oauth: OAuthConfig): client.ClientAuth {
  if (!oauth.client_secret || oauth.token_endpoint_auth_method === 'none') return client.None();
  return oauth.token_endpoint_auth_method === 'client_secret_basic' ? client.ClientSecretBasic(oauth.client_secret) : client.ClientSecretPost(oauth.client_secret);
}

function clientMetadata(oauth: OAuthConfig): Partial<client.ClientMetadata> | undefined {
  return oauth.client_secret ? { client_secret: oauth.client_secret } : undefined;
}

function requireClientId(gateway: GatewayRegistration, oauth: OAuthConfig): string {
  if (!oauth.client_id) {
    throw new ProxyError('ERR_OAUTH_DISCOVERY_FAILED', `gateway ${gateway.spec.name}: oauth_config.client_id is required unless discovery is "mcp" (dynamic registration)`);
  }
  return oauth.client_id;
}

function usesHttp(...urls: Array<string | undefined>): boolean {
  return urls.some((u) => u !== undefined && new URL(u).protocol === 'http:');
}

function wrap(error: unknown, code: 'ERR_OAUTH_DISCOVERY_FAILED', message: string): ProxyError {
  const relayError = relayErrorIn(error);
  if (relayError) return relayError;
  return new ProxyError(code, `${message}: ${(error as Error).message}`, { cause: error });
}
