/**
 * The connections page in one object: routes for the proxy's agent listener, bound to the running
 * proxy after it starts (like the OAuth relay), plus the links other parts hand to users.
 *
 * @example
 *   const page = createConnectionsPage({ vault, relay, login: { oidc: { issuer, clientId, clientSecret } } });
 *   const proxy = await startProxy({ ...options, credentials: relay.credentials, extraRoutes: [...relay.routes, ...page.routes] });
 *   relay.bind({ publicUrl: proxy.url, getGateway: (id) => proxy.getGateway(id), signIn: page.signIn });
 *   page.bind({ publicUrl: proxy.url, registrations: () => proxy.registrations() });
 *   console.log(`Manage your connections: ${page.link()}`);
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { TokenVault } from '../../vault/index.ts';
import type { BrowserSignIn } from '../oauth/browser-sign-in.ts';
import type { ConsentRelay } from './consent-relay.ts';
import type { ExtraRoute } from '../http/extra-route.ts';
import { ProxyError } from '../errors.ts';
import { DEV_LOGIN_PATH, DevLoginLinks, type DevLoginOptions } from './login-dev.ts';
import { OidcLogin, type OidcLoginOptions } from './login-oidc.ts';
import type { RegistrationsView } from './model.ts';
import { connectionsRoutes } from './routes.ts';
import type { SessionStoreOptions } from './session-store.ts';
import { browserSignIn } from './sign-in.ts';
import { VaultSessionStore } from './vault-session-store.ts';
import { PATHS } from './view.ts';

export interface ConnectionsPageOptions {
  /** The token vault the relay writes (Disconnect deletes from it; the page reads metadata only). */
  vault: TokenVault;
  relay: ConsentRelay;
  /**
   * How users sign in: the organisation's OpenID provider (the issuer that signs agent tokens), or
   * one-time links printed by `mcp-gitops dev`.
   */
  login: { oidc: OidcLoginOptions } | { dev: DevLoginOptions };
  /**
   * The page's key (≥ 32 bytes): derives an OIDC sign-in's PKCE verifier, nonce and `state` from
   * its browser cookie (nothing is stored for a sign-in in progress) and MACs session ids (a forged
   * session cookie is refused before any vault read). Every replica must have the same one
   * (`mcp-gitops proxy` derives it from the vault keyring). Defaults to a random key: sign-ins and
   * sessions then work on this process only.
   */
  pageKey?: Uint8Array;
  /**
   * Session idle timeout (default 15 min), absolute lifetime (default 8 h) and bound (default
   * 10 000). Sessions are vault documents, shared by every replica (`vault-session-store.ts`).
   */
  sessions?: SessionStoreOptions;
  logger?: Logger;
}

/** What the page needs from the running proxy; supplied with {@link ConnectionsPage.bind}. */
export interface ConnectionsBinding {
  /** Public base URL of the agent listener. Its scheme decides the cookies (`https:` → `__Host-`, `Secure`). */
  publicUrl: string;
  /** The gateways and servers the proxy serves now (`ProxyHandle.registrations`). */
  registrations: () => RegistrationsView;
}

export interface ConnectionsPage {
  readonly routes: ExtraRoute[];
  /** The page's sign-in for the consent relay (`relay.bind({ …, signIn: page.signIn })`). */
  readonly signIn: BrowserSignIn;
  bind(binding: ConnectionsBinding): void;
  /** `<publicUrl>/connections`, or the gateway's entry on it (`#gateway-<id>`). */
  link(gatewayId?: string): string;
  /**
   * Dev sign-in only: a one-time link that signs `user` in (valid 10 minutes by default).
   * Throws a `TypeError` when the page uses OIDC sign-in.
   */
  devLoginUrl(user: string, groups?: string[]): string;
}

export function createConnectionsPage(options: ConnectionsPageOptions): ConnectionsPage {
  const pageKey = options.pageKey ?? randomBytes(32);
  let binding: ConnectionsBinding | undefined;
  const bound = (): ConnectionsBinding => {
    if (binding === undefined) throw new ProxyError('ERR_CONNECTIONS_NOT_READY', 'the connections page is starting; try again in a moment');
    return binding;
  };
  const login: { oidc: OidcLogin } | { dev: DevLoginLinks } = 'oidc' in options.login ? { oidc: new OidcLogin(options.login.oidc, pageKey) } : { dev: new DevLoginLinks(options.login.dev) };
  const base = () => bound().publicUrl.replace(/\/$/, '');
  const sessions = new VaultSessionStore(options.vault, pageKey, options.sessions);
  return {
    routes: connectionsRoutes({ vault: options.vault, relay: options.relay, sessions, login, logger: options.logger, bound }),
    signIn: browserSignIn(sessions, () => bound().publicUrl),
    bind(next) {
      const url = new URL(next.publicUrl);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`connections page: publicUrl must be http(s), got ${url.protocol}`);
      binding = next;
    },
    link: (gatewayId) => `${base()}${PATHS.page}${gatewayId ? `#gateway-${encodeURIComponent(gatewayId)}` : ''}`,
    devLoginUrl(user, groups = []) {
      if (!('dev' in login)) throw new TypeError('devLoginUrl: this connections page signs users in with OIDC, not dev links');
      return `${base()}${DEV_LOGIN_PATH}?token=${login.dev.issue(user, groups)}`;
    },
  };
}
