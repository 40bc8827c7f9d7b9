/**
 * The consent relay's two routes on the agent listener:
 *
 *     GET /oauth/authorize/{gatewayId}?ticket=…   → 302 to the provider (PKCE S256, single-use state)
 *     GET /oauth/callback?code=…&state=…          → token exchange → vault → "Connected" page
 *
 * Any failure answers an HTML error page with a stable code, stores nothing and shows no secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { TokenVault } from '../../vault/index.ts';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import type { ExtraRoute } from '../http/extra-route.ts';
import { ProxyError } from '../errors.ts';
import { describeProviderFailure, oauthErrorCode, relayErrorIn } from './errors.ts';
import { sendErrorPage, sendRedirect, sendSuccessPage } from './pages.ts';
import type { PendingStore } from './pending-store.ts';
import type { ProviderResolver } from './provider.ts';
import { verifyTicket } from './ticket.ts';
import { storedTokens } from './token-response.ts';

export const AUTHORIZE_PATH = '/oauth/authorize/';
export const CALLBACK_PATH = '/oauth/callback';

export interface ConsentRoutesOptions {
  vault: TokenVault;
  resolver: ProviderResolver;
  pending: PendingStore;
  relayKey: Uint8Array;
  getGateway: (id: string) => GatewayRegistration | undefined;
  /** Called after a consent is stored (e.g. to discover the gateway's tools with that user's token). */
  onConsented?: (gateway: GatewayRegistration, user: AgentIdentity) => void | Promise<void>;
  logger?: Logger;
  /** How long a started flow may take. Defaults to 600 s. */
  stateTtlSeconds?: number;
}

export function consentRoutes(options: ConsentRoutesOptions): ExtraRoute[] {
  return [
    { method: 'GET', pathPrefix: AUTHORIZE_PATH, handler: (req, res, url) => handle(res, options, () => authorize(req, res, url, options)) },
    { method: 'GET', pathPrefix: CALLBACK_PATH, handler: (req, res, url) => handle(res, options, () => callback(req, res, url, options)) },
  ];
}

async function handle(res: ServerResponse, options: ConsentRoutesOptions, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const relayError = relayErrorIn(error) ?? new ProxyError('ERR_OAUTH_EXCHANGE_FAILED', 'the authorization could not be completed; try again later');
    const cause = relayError === error ? undefined : { name: (error as Error)?.name, code: (error as { code?: unknown })?.code, message: (error as Error)?.message };
    options.logger?.warn({ code: relayError.code, err: { message: relayError.message }, cause }, 'oauth consent failed');
    if (!res.headersSent) sendErrorPage(res, relayError.status, relayError.code, relayError.message);
  }
}

function perUserGateway(id: string, options: ConsentRoutesOptions): GatewayRegistration {
  const gateway = options.getGateway(id);
  if (gateway === undefined) throw new ProxyError('ERR_OAUTH_GATEWAY_UNKNOWN', `no gateway with id ${id} is registered on this proxy`);
  const oauth = gateway.spec.oauth_config;
  if (gateway.spec.auth_type !== 'oauth' || !oauth || oauth.grant_type !== 'authorization_code') {
    throw new ProxyError('ERR_OAUTH_NOT_PER_USER', `gateway ${gateway.spec.name} does not use per-user OAuth (auth_type "oauth" with grant_type "authorization_code")`);
  }
  return gateway;
}

async function authorize(_req: IncomingMessage, res: ServerResponse, url: URL, options: ConsentRoutesOptions): Promise<void> {
  const gatewayId = decodeURIComponent(url.pathname.slice(AUTHORIZE_PATH.length)).replace(/\/$/, '');
  const gateway = perUserGateway(gatewayId, options);
  const ticket = await verifyTicket(url.searchParams.get('ticket'), options.relayKey, gateway.id);
  const provider = await options.resolver.resolve(gateway);

  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  await options.pending.put(state, {
    gatewayId: gateway.id,
    specHash: gateway.specHash,
    user: ticket.user,
    codeVerifier,
    redirectUri: provider.redirectUri,
    expiresAt: Date.now() + (options.stateTtlSeconds ?? 600) * 1000,
    ...(ticket.returnTo !== undefined ? { returnTo: ticket.returnTo } : {}),
  });
  const params: Record<string, string> = {
    ...provider.authorizeParams,
    redirect_uri: provider.redirectUri,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  if (provider.scope) params.scope = provider.scope;
  options.logger?.info({ gatewayId: gateway.id, user: ticket.user }, 'oauth consent started');
  sendRedirect(res, client.buildAuthorizationUrl(provider.config, params).href);
}

async function callback(_req: IncomingMessage, res: ServerResponse, url: URL, options: ConsentRoutesOptions): Promise<void> {
  const state = url.searchParams.get('state');
  const pending = state ? await options.pending.take(state) : undefined;
  if (pending === undefined) {
    throw new ProxyError('ERR_OAUTH_STATE_INVALID', 'this authorization response is unknown, expired or was already used; start again from the link your agent gave you');
  }
  const providerError = url.searchParams.get('error');
  if (providerError !== null) {
    throw new ProxyError('ERR_OAUTH_PROVIDER_DENIED', `the provider did not grant access (${providerError.replace(/[^\w.-]/g, '').slice(0, 64)})`);
  }
  const gateway = perUserGateway(pending.gatewayId, options);
  if (gateway.specHash !== pending.specHash) {
    throw new ProxyError('ERR_OAUTH_STATE_INVALID', `gateway ${gateway.spec.name} was reconfigured during the authorization; start again`);
  }
  const provider = await options.resolver.resolve(gateway);
  const currentUrl = new URL(pending.redirectUri);
  currentUrl.search = url.search;

  let response;
  try {
    response = await client.authorizationCodeGrant(
      provider.config,
      currentUrl,
      { pkceCodeVerifier: pending.codeVerifier, expectedState: state! },
      Object.keys(provider.tokenParams).length > 0 ? provider.tokenParams : undefined,
    );
  } catch (error) {
    const code = oauthErrorCode(error);
    throw new ProxyError(
      'ERR_OAUTH_EXCHANGE_FAILED',
      `the provider refused to issue tokens for gateway ${gateway.spec.name}: ${describeProviderFailure(error)}` +
        (code === 'invalid_grant' ? ' (the code expired, was used already, or the PKCE verifier did not match)' : ''),
    );
  }
  const user: AgentIdentity = { user: pending.user, groups: [] };
  await options.vault.put({ namespace: gateway.spec.namespace, gatewayId: gateway.id, user: pending.user }, storedTokens(response, provider.scope));
  options.logger?.info({ gatewayId: gateway.id, user: pending.user }, 'oauth consent stored');
  await options.onConsented?.(gateway, user);
  if (pending.returnTo !== undefined) sendRedirect(res, pending.returnTo);
  else sendSuccessPage(res, gateway.spec.name);
}
