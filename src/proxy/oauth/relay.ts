/**
 * The OAuth relay in one object: consent routes for the agent listener, `UpstreamCredentials` for
 * the upstream pool, consent links, and the count of consented users per gateway.
 *
 * @example
 *   const relay = createOAuthRelay({ vault, relayKey, policy: { allowLoopback: true } });
 *   const proxy = await startProxy({ ...options, credentials: relay.credentials, extraRoutes: relay.routes });
 *   relay.bind({ publicUrl: proxy.url, getGateway: (id) => proxy.getGateway(id), refreshGateway: (id, u) => proxy.refreshGateway(id, u), signIn: page.signIn });
 *
 * Consent needs a sign-in (`signIn`, the connections page's): a consent link starts a flow only in
 * a browser signed in as the user it was made for. Without one, consent links are refused.
 */
import type { Logger } from 'pino';
import { UserQuota, type TokenVault } from '../../vault/index.ts';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import type { ExtraRoute } from '../http/extra-route.ts';
import type { UpstreamCredentials } from '../upstream/credentials.ts';
import type { BrowserSignIn } from './browser-sign-in.ts';
import { ClientCredentialsCache } from './client-credentials.ts';
import { AUTHORIZE_PATH, consentRoutes, gatewayCallbackPath } from './consent-routes.ts';
import type { PendingStore } from './pending-store.ts';
import { ProviderResolver, type ResolvedProvider } from './provider.ts';
import { issueTicket } from './ticket.ts';
import type { UrlPolicy } from './url-guard.ts';
import { OAuthCredentials } from './user-credentials.ts';
import { VaultPendingStore } from './vault-pending-store.ts';

/** Authorizations one user may have in progress at once, by default. */
export const DEFAULT_MAX_PENDING_PER_USER = 10;

export interface OAuthRelayOptions {
  vault: TokenVault;
  /** HS256 key for consent tickets, ≥ 32 bytes; the same on every replica. */
  relayKey: Uint8Array;
  /** Outbound URL policy for providers and upstream metadata. Defaults to {} (public hosts only, https). */
  policy?: UrlPolicy;
  /** Where started flows wait for their callback. Defaults to sealed vault documents, shared by all replicas. */
  pending?: PendingStore;
  /** Authorizations one user may have in progress at once (each a Secret until it ends), with the default `pending`. Defaults to 10. */
  maxPendingPerUser?: number;
  /** Consent link lifetime. Defaults to 600 s. */
  ticketTtlSeconds?: number;
  /** Refresh tokens this long before expiry. Defaults to 60 s. */
  refreshSkewMs?: number;
  /** For non-OAuth gateways. Defaults to `staticCredentials`. */
  fallback?: UpstreamCredentials;
  logger?: Logger;
  /** Outbound fetch (providers, metadata). Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** What the relay needs from the running proxy; supplied with {@link OAuthRelay.bind} after start. */
export interface RelayBinding {
  /** Public base URL of the agent listener, e.g. `https://mcp.example.com`. */
  publicUrl: string;
  getGateway: (id: string) => GatewayRegistration | undefined;
  /** Re-lists a gateway's tools with a user's credential (after their consent). */
  refreshGateway?: (id: string, asUser: AgentIdentity) => Promise<void>;
  /** Who is at the browser: the connections page's sign-in (`page.signIn`). Without it consent is refused. */
  signIn?: BrowserSignIn;
}

export interface OAuthRelay {
  readonly routes: ExtraRoute[];
  readonly credentials: OAuthCredentials;
  bind(binding: RelayBinding): void;
  /**
   * A consent link for `user` on the gateway (a fresh signed ticket inside). `returnTo`: a
   * same-origin path the browser is sent to after the consent is stored (the connections page).
   */
  consentUrl(gatewayId: string, user: string, options?: { returnTo?: string }): Promise<string>;
  /** The gateway's resolved provider (the connections page revokes tokens with it on Disconnect). */
  resolveProvider(gateway: GatewayRegistration): Promise<ResolvedProvider>;
  /** Users with a usable token for the gateway (a number; never who). */
  authorizedUsers(gateway: GatewayRegistration): Promise<number>;
}

export function createOAuthRelay(options: OAuthRelayOptions): OAuthRelay {
  if (options.relayKey.byteLength < 32) throw new TypeError('createOAuthRelay: relayKey must be at least 32 bytes');
  let binding: RelayBinding | undefined;
  const bound = (): RelayBinding => {
    if (binding === undefined) throw new Error('OAuth relay used before bind(): call relay.bind({ publicUrl, getGateway }) after the proxy starts');
    return binding;
  };
  const base = () => bound().publicUrl.replace(/\/$/, '');
  const resolver = new ProviderResolver({
    policy: options.policy ?? {},
    defaultRedirectUri: (gateway) => `${base()}${gatewayCallbackPath(gateway.spec.namespace, gateway.spec.name)}`,
    vault: options.vault,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const consentUrl = async (gatewayId: string, user: string, link: { returnTo?: string } = {}) => {
    const ticket = await issueTicket({ gatewayId, user, ...(link.returnTo !== undefined ? { returnTo: link.returnTo } : {}) }, options.relayKey, options.ticketTtlSeconds ?? 600);
    return `${base()}${AUTHORIZE_PATH}${encodeURIComponent(gatewayId)}?ticket=${ticket}`;
  };
  const pending = options.pending ?? new VaultPendingStore(options.vault, { quota: new UserQuota(options.vault, { kind: 'oauth-pending', key: options.relayKey, max: options.maxPendingPerUser ?? DEFAULT_MAX_PENDING_PER_USER }) });
  const credentials = new OAuthCredentials({
    vault: options.vault,
    resolver,
    clientCredentials: new ClientCredentialsCache(resolver, options.refreshSkewMs),
    consentUrl: (gateway, user) => consentUrl(gateway.id, user),
    ...(options.fallback ? { fallback: options.fallback } : {}),
    ...(options.refreshSkewMs !== undefined ? { skewMs: options.refreshSkewMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const routes = consentRoutes({
    vault: options.vault,
    resolver,
    pending,
    relayKey: options.relayKey,
    getGateway: (id) => bound().getGateway(id),
    signIn: () => bound().signIn,
    onConsented: async (gateway, user) => {
      credentials.consented(gateway, user.user);
      await credentials.recount(gateway).catch(() => {}); // recount logs its failure; the consent itself is stored
      const refresh = bound().refreshGateway;
      if (!refresh) return;
      refresh(gateway.id, user).catch((error: unknown) => {
        options.logger?.warn({ gatewayId: gateway.id, err: { message: (error as Error).message } }, 'tool discovery after consent failed');
      });
    },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    routes,
    credentials,
    bind(next) {
      binding = next;
    },
    consentUrl,
    resolveProvider: (gateway) => resolver.resolve(gateway),
    authorizedUsers: (gateway) => options.vault.countAuthorized(gateway.spec.namespace, gateway.id),
  };
}
