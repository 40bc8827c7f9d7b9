/**
 * The page's HTTP routes on the agent listener (mounted through `ProxyOptions.extraRoutes`):
 *
 *     GET  /connections                  the page (or the sign-in page without a session)
 *     GET  /connections/login            OIDC: 303 to the identity provider
 *     GET  /connections/login/callback   OIDC: back from the provider → session → 303 /connections
 *     GET  /connections/login/dev?token= dev: one-time link → session → 303 /connections
 *     GET  /connections/connect/{id}     → 303 to the consent relay, which returns here (see below)
 *     POST /connections/disconnect       gateway=<id> → delete the record, revoke → 303 /connections
 *     POST /connections/logout           end the session → 303 /connections
 *
 * Every POST passes the same-origin check and the CSRF token check before anything else happens.
 * Connect is a link, not a form: a form's `form-action 'self'` would also bind the redirects to the
 * provider, which the browser then blocks. It changes nothing by itself (the provider asks the
 * user to consent, and the result is stored for the signed-in user only), and navigations started
 * by another site are refused (`Sec-Fetch-Site`).
 * Every page carries the security headers of `respond.ts`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { TokenVault } from '../../vault/index.ts';
import type { AgentIdentity, GatewayRegistration } from '../registry/types.ts';
import type { ExtraRoute } from '../http/extra-route.ts';
import { cookieNames, readCookie, setCookie, type CookieNames } from './cookies.ts';
import { checkCsrfToken, checkNotCrossSite, checkSameOrigin } from './csrf.ts';
import { ProxyError } from '../errors.ts';
import { DEV_LOGIN_PATH, type DevLoginLinks } from './login-dev.ts';
import { LOGIN_CALLBACK_PATH, type OidcLogin, type SignedInUser } from './login-oidc.ts';
import { isPerUserOAuth, loadConnections, reachableGateways, tokenRef, type RegistrationsView } from './model.ts';
import { readForm, redirect, securityHeaders, sendPage, styleHash } from './respond.ts';
import { revokeAtProvider, type RevocationOutcome } from './revoke.ts';
import type { Session, SessionStore } from './session-store.ts';
import { pendingReturn } from './sign-in.ts';
import { STYLE } from './style.ts';
import { connectionsPage, errorPage, PATHS, signedOutPage } from './view.ts';
import type { ConsentRelay } from './consent-relay.ts';

export interface RouteDeps {
  vault: TokenVault;
  relay: ConsentRelay;
  sessions: SessionStore;
  login: { oidc: OidcLogin } | { dev: DevLoginLinks };
  logger: Logger | undefined;
  /** Throws `ERR_CONNECTIONS_NOT_READY` before `bind()`. */
  bound: () => { publicUrl: string; registrations: () => RegistrationsView };
}

const HEADERS = securityHeaders(styleHash(STYLE));

export function connectionsRoutes(deps: RouteDeps): ExtraRoute[] {
  return [
    { method: 'GET', pathPrefix: PATHS.page, handler: (req, res, url) => guarded(deps, res, () => get(deps, req, res, url)) },
    { method: 'POST', pathPrefix: PATHS.page, handler: (req, res, url) => guarded(deps, res, () => post(deps, req, res, url)) },
  ];
}

async function guarded(deps: RouteDeps, res: ServerResponse, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    if (error instanceof ProxyError) {
      deps.logger?.info({ code: error.code, status: error.status }, 'connections page refused a request');
      const title = error.status === 403 ? 'Request refused' : error.status === 401 ? 'Please sign in again' : 'That did not work';
      return sendPage(res, error.status, errorPage(title, error.message, error.code), { ...error.headers, ...HEADERS });
    }
    deps.logger?.error({ err: { message: (error as Error).message, code: (error as { code?: unknown }).code } }, 'connections page failed');
    sendPage(res, 500, errorPage('Something went wrong', 'The page could not be shown. Try again in a moment; if it keeps failing, tell your platform team.', 'ERR_CONNECTIONS_INTERNAL'), HEADERS);
  }
}

async function current(deps: RouteDeps, req: IncomingMessage, names: CookieNames): Promise<{ id: string; session: Session } | undefined> {
  const id = readCookie(req, names.session);
  const session = await deps.sessions.get(id);
  return session === undefined || id === undefined ? undefined : { id, session };
}

function identity(session: Session): AgentIdentity {
  return { user: session.user, groups: session.groups };
}

async function get(deps: RouteDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { publicUrl, registrations } = deps.bound();
  const names = cookieNames(publicUrl);
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === PATHS.page) {
    const signedIn = await current(deps, req, names);
    if (signedIn === undefined) return sendPage(res, 200, signedOutPage(), HEADERS);
    const { id, session } = signedIn;
    const now = Date.now();
    const rows = await loadConnections(deps.vault, registrations(), identity(session), now, deps.relay.credentials?.checkBinding?.bind(deps.relay.credentials));
    const flash = session.flash;
    if (flash !== undefined) {
      session.flash = undefined;
      await deps.sessions.save(id, session);
    }
    return sendPage(res, 200, connectionsPage({ user: session.user, csrfToken: session.csrfToken, rows, flash, now }), HEADERS);
  }
  if (path === PATHS.login) {
    if ('dev' in deps.login) {
      return sendPage(res, 200, signedOutPage('This gateway runs in dev mode: open the sign-in link the dev command printed (run it again for a new one).'), HEADERS);
    }
    const { url: providerUrl, binding } = await deps.login.oidc.begin(publicUrl);
    return redirect(res, providerUrl, [setCookie(names, names.login, binding)]);
  }
  if (path === LOGIN_CALLBACK_PATH && 'oidc' in deps.login) {
    const user = await deps.login.oidc.complete(publicUrl, url.searchParams, readCookie(req, names.login));
    return await startSession(deps, req, res, names, user, [setCookie(names, names.login, undefined)]);
  }
  if (path.startsWith(`${PATHS.connect}/`)) {
    checkNotCrossSite(req);
    const signedIn = await current(deps, req, names);
    if (signedIn === undefined) return redirect(res, PATHS.page);
    const { session } = signedIn;
    const wanted = path.slice(PATHS.connect.length + 1); // gateway ids are 32 hex: nothing to decode
    const reachable = reachableGateways(registrations(), identity(session)).find((r) => r.gateway.id === wanted);
    if (reachable === undefined) throw notYours(wanted);
    const link = await deps.relay.consentUrl(reachable.gateway.id, session.user, { returnTo: `${PATHS.page}#gateway-${reachable.gateway.id}` });
    deps.logger?.info({ user: session.user, gatewayId: reachable.gateway.id }, 'connections page: connect started');
    return redirect(res, link);
  }
  if (path === DEV_LOGIN_PATH && 'dev' in deps.login) {
    return await startSession(deps, req, res, names, deps.login.dev.redeem(url.searchParams.get('token')), []);
  }
  throw new ProxyError('ERR_CONNECTIONS_NOT_FOUND', `there is no page at ${path.slice(0, 100)}`);
}

/**
 * A new session id on every sign-in (no fixation); a previous session of this browser ends. The
 * browser goes back to the consent link that sent it here, if any, else to the page.
 */
async function startSession(deps: RouteDeps, req: IncomingMessage, res: ServerResponse, names: CookieNames, user: SignedInUser, cookies: string[]): Promise<void> {
  await deps.sessions.destroy(readCookie(req, names.session));
  const { id } = await deps.sessions.create(user.user, user.groups);
  deps.logger?.info({ user: user.user }, 'connections page: signed in');
  const back = pendingReturn(req, names);
  const clearBack = back === undefined && readCookie(req, names.returnTo) === undefined ? [] : [setCookie(names, names.returnTo, undefined)];
  redirect(res, back ?? PATHS.page, [...cookies, ...clearBack, setCookie(names, names.session, id)]);
}

async function post(deps: RouteDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { publicUrl, registrations } = deps.bound();
  const names = cookieNames(publicUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== PATHS.disconnect && path !== PATHS.logout) {
    throw new ProxyError('ERR_CONNECTIONS_NOT_FOUND', `there is no form at ${path.slice(0, 100)}`);
  }
  checkSameOrigin(req, new URL(publicUrl).origin);
  const form = await readForm(req);
  const signedIn = await current(deps, req, names);
  if (signedIn === undefined) throw new ProxyError('ERR_CONNECTIONS_NOT_SIGNED_IN', 'your session has ended, so nothing was changed; sign in again');
  const { id, session } = signedIn;
  checkCsrfToken(form, session.csrfToken);

  if (path === PATHS.logout) {
    await deps.sessions.destroy(id);
    deps.logger?.info({ user: session.user }, 'connections page: signed out');
    return redirect(res, PATHS.page, [setCookie(names, names.session, undefined)]);
  }
  const view = registrations();
  const gatewayIdValue = form.get('gateway') ?? '';
  // Disconnect: any per-user gateway, reachable or not (removing one's own stale record is always allowed).
  const gateway = view.gateways.find((g) => g.id === gatewayIdValue && isPerUserOAuth(g));
  if (gateway === undefined) throw notYours(gatewayIdValue);
  session.flash = await disconnect(deps, gateway, session.user);
  await deps.sessions.save(id, session);
  return redirect(res, `${PATHS.page}#gateway-${gateway.id}`);
}

function notYours(gatewayIdValue: string): ProxyError {
  return new ProxyError('ERR_CONNECTIONS_GATEWAY', `no service with id "${gatewayIdValue.slice(0, 64)}" is available to you here; reload the page to see the current list`);
}

async function disconnect(deps: RouteDeps, gateway: GatewayRegistration, user: string): Promise<Session['flash']> {
  const ref = tokenRef(gateway, user);
  // Read only to revoke at the provider afterwards: an unreadable record is deleted all the same, just not revoked.
  const entry = await deps.vault.get(ref).catch(() => undefined);
  const removed = await deps.vault.delete(ref);
  await deps.relay.credentials?.recount?.(gateway).catch(() => {}); // recount logs its failure; the count is a status figure
  const name = gateway.spec.name;
  if (!removed && entry === undefined) return { kind: 'ok', text: `${name} was not connected; nothing to do.` };
  let outcome: RevocationOutcome = { kind: 'unsupported' };
  if (entry !== undefined && deps.relay.resolveProvider) {
    try {
      // Revocation sends the token: only to the provider that issued it.
      const problem = await deps.relay.credentials?.bindingProblem?.(gateway, entry.tokens);
      if (problem !== undefined) outcome = { kind: 'failed', reason: 'the service was retargeted since you connected, so the authorization was not sent to its new provider' };
      else {
        const provider = await deps.relay.resolveProvider(gateway);
        outcome = await revokeAtProvider(provider.config, entry.tokens, provider.tokenParams);
      }
    } catch {
      outcome = { kind: 'failed', reason: 'the provider could not be found' };
    }
  }
  deps.logger?.info({ user, gatewayId: gateway.id, revocation: outcome.kind }, 'connections page: disconnected');
  switch (outcome.kind) {
    case 'revoked':
      return { kind: 'ok', text: `Disconnected ${name}. The gateway deleted your saved authorization and the provider revoked it.` };
    case 'unsupported':
      return { kind: 'ok', text: `Disconnected ${name}. The gateway deleted your saved authorization. The provider offers no way to revoke it from here; to remove access completely, do so in your account settings at the provider.` };
    case 'failed':
      return { kind: 'problem', text: `Disconnected ${name}: the gateway deleted your saved authorization, but the provider could not revoke it (${outcome.reason}). To remove access completely, do so in your account settings at the provider.` };
  }
}
