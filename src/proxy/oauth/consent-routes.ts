/**
 * The consent relay's routes on the agent listener:
 *
 *     GET  /oauth/authorize/{gatewayId}?ticket=…  → sign in first (no session), a refusal page naming
 *                                                   both accounts (another user signed in), or an
 *                                                   interstitial naming the account and the gateway
 *     POST /oauth/authorize/{gatewayId}           ticket + csrf → claims the ticket (single use), sets
 *                                                   the browser's consent cookie → 303 to the provider
 *                                                   (PKCE S256, HMAC-signed state)
 *     GET  /oauth/callback/{ns}/{name}?code=…&state=…   state MAC + consent cookie checked first (no I/O),
 *                                                   the path must be the flow's own callback (each
 *                                                   gateway has its own: no mix-up between
 *                                                   authorization servers, RFC 9700 §4.4), `iss`
 *                                                   required where the server advertises RFC 9207,
 *                                                   then token exchange → vault → "Connected"
 *
 * The consent link alone connects nothing: only a browser signed in (connections page) as the
 * user the ticket names can start the flow, and only that browser can finish it. Any failure
 * answers an HTML error page with a stable code, stores nothing and shows no secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { TokenVault } from '../../vault/index.ts';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import type { ExtraRoute } from '../http/extra-route.ts';
import type { BrowserSignIn } from './browser-sign-in.ts';
import { ProxyError } from '../errors.ts';
import { describeProviderFailure, oauthErrorCode, relayErrorIn } from './errors.ts';
import { bindingMatches, consentCookieName, newBinding, signState, stateOf } from './flow-state.ts';
import { sendErrorPage, sendInterstitial, sendRedirect, sendSuccessPage, sendWrongAccountPage } from './pages.ts';
import type { PendingStore } from './pending-store.ts';
import type { ProviderResolver } from './provider.ts';
import { verifyTicket, type VerifiedTicket } from './ticket.ts';
import { bindingOf } from './token-binding.ts';
import { storedTokens } from './token-response.ts';

export const AUTHORIZE_PATH = '/oauth/authorize/';
export const CALLBACK_PATH = '/oauth/callback';

/** A gateway's own callback path (its default redirect URI's path): `/oauth/callback/<namespace>/<name>`. */
export function gatewayCallbackPath(namespace: string, name: string): string {
  return `${CALLBACK_PATH}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** What follows `/oauth/callback` in a path (after any public path prefix): '' for the shared callback. */
function callbackSuffix(pathname: string): string {
  const at = pathname.indexOf(CALLBACK_PATH);
  return at < 0 ? pathname : pathname.slice(at + CALLBACK_PATH.length).replace(/\/$/, '');
}

export interface ConsentRoutesOptions {
  vault: TokenVault;
  resolver: ProviderResolver;
  pending: PendingStore;
  relayKey: Uint8Array;
  getGateway: (id: string) => GatewayRegistration | undefined;
  /** Who is at the browser (the connections page's sign-in); undefined when none is configured. */
  signIn: () => BrowserSignIn | undefined;
  /** Called after a consent is stored (e.g. to discover the gateway's tools with that user's token). */
  onConsented?: (gateway: GatewayRegistration, user: AgentIdentity) => void | Promise<void>;
  logger?: Logger;
  /** How long a started flow may take. Defaults to 600 s. */
  stateTtlSeconds?: number;
}

export function consentRoutes(options: ConsentRoutesOptions): ExtraRoute[] {
  return [
    { method: 'GET', pathPrefix: AUTHORIZE_PATH, handler: (req, res, url) => handle(res, options, () => authorize(req, res, url, options)) },
    { method: 'POST', pathPrefix: AUTHORIZE_PATH, handler: (req, res, url) => handle(res, options, () => start(req, res, url, options)) },
    { method: 'GET', pathPrefix: CALLBACK_PATH, handler: (req, res, url) => handle(res, options, () => callback(req, res, url, options)) },
  ];
}

/** A coded error of ours or of the sign-in (the page's CSRF and session errors), shown as it is. */
function codedError(error: unknown): ProxyError | undefined {
  return relayErrorIn(error) ?? (error instanceof ProxyError ? error : undefined);
}

async function handle(res: ServerResponse, options: ConsentRoutesOptions, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const coded = codedError(error) ?? new ProxyError('ERR_OAUTH_EXCHANGE_FAILED', 'the authorization could not be completed; try again later');
    const cause = coded === error ? undefined : { name: (error as Error)?.name, code: (error as { code?: unknown })?.code, message: (error as Error)?.message };
    options.logger?.warn({ code: coded.code, err: { message: coded.message }, cause }, 'oauth consent failed');
    if (!res.headersSent) sendErrorPage(res, coded.status, coded.code, coded.message, coded.headers);
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

function signInOf(options: ConsentRoutesOptions): BrowserSignIn {
  const signIn = options.signIn();
  if (signIn === undefined) {
    throw new ProxyError('ERR_OAUTH_SIGN_IN_UNAVAILABLE', 'connecting an account needs the connections page sign-in, which this gateway does not have configured; tell your platform team');
  }
  return signIn;
}

function gatewayOfPath(url: URL): string {
  return decodeURIComponent(url.pathname.slice(AUTHORIZE_PATH.length)).replace(/\/$/, '');
}

function refuseOtherAccount(res: ServerResponse, options: ConsentRoutesOptions, gateway: GatewayRegistration, ticket: VerifiedTicket, signedInAs: string): void {
  options.logger?.warn({ gatewayId: gateway.id, linkFor: ticket.user, signedInAs }, 'oauth consent link opened by another signed-in user: refused');
  sendWrongAccountPage(res, { signedInAs, linkFor: ticket.user, gatewayName: gateway.spec.name, code: 'ERR_OAUTH_WRONG_ACCOUNT' });
}

/** GET: checks the link and the person at the browser; shows the interstitial. Writes nothing. */
async function authorize(req: IncomingMessage, res: ServerResponse, url: URL, options: ConsentRoutesOptions): Promise<void> {
  const gateway = perUserGateway(gatewayOfPath(url), options);
  const ticketText = url.searchParams.get('ticket');
  const ticket = await verifyTicket(ticketText, options.relayKey, gateway.id);
  const provider = await options.resolver.resolve(gateway);
  const signIn = signInOf(options);
  const browser = await signIn.current(req);
  if (browser === undefined) {
    const { location, cookies } = signIn.signIn(`${url.pathname}${url.search}`);
    return sendRedirect(res, location, cookies, 303);
  }
  if (browser.user !== ticket.user) return refuseOtherAccount(res, options, gateway, ticket, browser.user);
  sendInterstitial(res, {
    user: browser.user,
    gatewayName: gateway.spec.name,
    providerOrigin: new URL(client.buildAuthorizationUrl(provider.config, {}).href).origin,
    action: `${AUTHORIZE_PATH}${gateway.id}`,
    ticket: ticketText!,
    csrfToken: browser.csrfToken,
  });
}

/** POST (Continue): same checks plus CSRF; claims the ticket once and sends the browser to the provider. */
async function start(req: IncomingMessage, res: ServerResponse, url: URL, options: ConsentRoutesOptions): Promise<void> {
  const gateway = perUserGateway(gatewayOfPath(url), options);
  const signIn = signInOf(options);
  const { form, user: browser } = await signIn.readForm(req);
  const ticket = await verifyTicket(form.get('ticket'), options.relayKey, gateway.id);
  if (browser.user !== ticket.user) return refuseOtherAccount(res, options, gateway, ticket, browser.user);
  const provider = await options.resolver.resolve(gateway);

  const ttlMs = (options.stateTtlSeconds ?? 600) * 1000;
  const codeVerifier = client.randomPKCECodeVerifier();
  const binding = newBinding();
  const claimed = await options.pending.claim(ticket.id, {
    gatewayId: gateway.id,
    specHash: gateway.specHash,
    user: ticket.user,
    codeVerifier,
    redirectUri: provider.redirectUri,
    bindingHash: binding.hash,
    // The entry outlives the ticket, so a used ticket stays used.
    expiresAt: Math.max(Date.now() + ttlMs, ticket.expiresAt),
    ...(ticket.returnTo !== undefined ? { returnTo: ticket.returnTo } : {}),
  });
  if (!claimed) throw new ProxyError('ERR_OAUTH_TICKET_USED', 'this consent link was already used; each link works once. Start again from your connections page or ask your agent for a new link');
  const params: Record<string, string> = {
    ...provider.authorizeParams,
    redirect_uri: provider.redirectUri,
    state: signState(gateway.id, ticket.id, options.relayKey),
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  };
  if (provider.scope) params.scope = provider.scope;
  options.logger?.info({ gatewayId: gateway.id, user: ticket.user }, 'oauth consent started');
  const cookie = signIn.cookie(consentCookieName(gateway.id, signIn.secure), binding.value, Math.ceil(ttlMs / 1000));
  sendRedirect(res, client.buildAuthorizationUrl(provider.config, params).href, [cookie], 303);
}

async function callback(req: IncomingMessage, res: ServerResponse, url: URL, options: ConsentRoutesOptions): Promise<void> {
  const state = url.searchParams.get('state');
  // Checked before any lookup: a forged state or a browser without the flow's cookie costs no I/O.
  const flow = stateOf(state, options.relayKey);
  if (flow === undefined) {
    throw new ProxyError('ERR_OAUTH_STATE_INVALID', 'this authorization response is unknown, expired or was already used; start again from the link your agent gave you');
  }
  const signIn = signInOf(options);
  const cookieName = consentCookieName(flow.gatewayId, signIn.secure);
  const cookie = signIn.readCookie(req, cookieName);
  if (cookie === undefined) throw browserMismatch();
  const pending = await options.pending.take(flow.flowId);
  if (pending === undefined || pending.gatewayId !== flow.gatewayId) {
    throw new ProxyError('ERR_OAUTH_STATE_INVALID', 'this authorization response is unknown, expired or was already used; start again from the link your agent gave you');
  }
  if (!bindingMatches(cookie, pending.bindingHash)) throw browserMismatch();
  // The response must arrive where this flow asked the provider to send it: a code another
  // authorization server sent to another gateway's callback is never exchanged here (mix-up).
  if (callbackSuffix(url.pathname) !== callbackSuffix(new URL(pending.redirectUri).pathname)) {
    throw new ProxyError('ERR_OAUTH_CALLBACK_MISMATCH', 'this authorization response arrived at another gateway’s callback than the one its flow started with, so nothing was exchanged or stored; start again from your link');
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
  checkIssuer(url, provider.config.serverMetadata());
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
  // Bound to where they were issued: never sent anywhere else (token-binding.ts).
  const tokens = { ...storedTokens(response, provider.scope), binding: bindingOf(gateway, provider) };
  await options.vault.put({ namespace: gateway.spec.namespace, gatewayId: gateway.id, user: pending.user }, tokens);
  options.logger?.info({ gatewayId: gateway.id, user: pending.user }, 'oauth consent stored');
  await options.onConsented?.(gateway, user);
  res.setHeader('set-cookie', signIn.cookie(cookieName, undefined));
  if (pending.returnTo !== undefined) sendRedirect(res, pending.returnTo);
  else sendSuccessPage(res, gateway.spec.name);
}

/**
 * RFC 9207: `iss` is required when the authorization server advertises it, and must name the
 * server this flow went to (a response another server issued is not exchanged).
 */
function checkIssuer(url: URL, server: client.ServerMetadata): void {
  const iss = url.searchParams.get('iss');
  if (iss === null && server.authorization_response_iss_parameter_supported === true) {
    throw new ProxyError('ERR_OAUTH_ISSUER_MISMATCH', 'the authorization response has no "iss" although the authorization server sends one on every response (RFC 9207); it may come from another server, so nothing was exchanged. Start again from your link');
  }
  if (iss !== null && iss !== server.issuer) {
    throw new ProxyError('ERR_OAUTH_ISSUER_MISMATCH', 'the authorization response was issued by another authorization server than the one this flow went to (RFC 9207 "iss"), so nothing was exchanged. Start again from your link');
  }
}

function browserMismatch(): ProxyError {
  return new ProxyError('ERR_OAUTH_BROWSER_MISMATCH', 'this authorization response reached another browser than the one that started it, so nothing was stored; start again from your own browser');
}
