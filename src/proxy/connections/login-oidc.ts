/**
 * Sign-in with the organisation's identity provider: OpenID Connect authorization code flow with
 * PKCE (S256), `state` and `nonce`, through `openid-client`. The provider is the issuer that signs
 * agents' tokens, so the page's user (`sub`) is the user whose agent calls the tools.
 *
 * A sign-in in progress is stored nowhere (docs/security.md, "Bounded resources"): the browser gets
 * a random value in a short-lived login cookie, and the PKCE verifier and the nonce are HMACs of it
 * under the page's login key; `state` is `<expiresAt>.<HMAC(expiresAt, cookie)>`. The callback
 * recomputes them from the cookie, so an unauthenticated `/connections/login` or a forged callback
 * costs no vault write, no Kubernetes API call and no memory, and any replica (they share the key)
 * finishes any sign-in. A callback URL planted in another browser finds no matching cookie and signs
 * no one in (login CSRF); the provider's code is single use and the cookie is cleared on success.
 * The provider's tokens are used once to read the ID token's claims and then dropped: the page
 * keeps only `sub` and groups.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { isLoopbackHost } from '../oauth/url-guard.ts';
import { ProxyError } from '../errors.ts';

export interface OidcLoginOptions {
  /** Issuer URL (OpenID discovery at `<issuer>/.well-known/openid-configuration`). `http:` only on loopback. */
  issuer: string;
  clientId: string;
  /** Confidential clients: sent with `client_secret_post` unless `clientAuth` says otherwise. */
  clientSecret?: string;
  /** Defaults to `client_secret_post` with a secret, `none` without. */
  clientAuth?: 'client_secret_post' | 'client_secret_basic' | 'none';
  /** Scopes to request. Defaults to `["openid"]`; add `groups` or `profile` as your provider wants. */
  scopes?: string[];
  /** ID token claim holding the user's groups (matched against `access.groups`). Defaults to `groups`. */
  groupsClaim?: string;
  /** How long a started sign-in may take. Defaults to 10 minutes. */
  ttlMs?: number;
}

/** Path of the redirect URI to register at the provider: `<publicUrl>/connections/login/callback`. */
export const LOGIN_CALLBACK_PATH = '/connections/login/callback';

export interface SignedInUser {
  user: string;
  groups: string[];
}

/** HMAC-SHA256 of `purpose:value` under the login key, base64url (43 characters: a valid PKCE verifier). */
function derive(key: Uint8Array, purpose: 'pkce' | 'nonce' | 'state', value: string): string {
  return createHmac('sha256', key).update(`connections-login:${purpose}:${value}`, 'utf8').digest('base64url');
}

export class OidcLogin {
  readonly #o: OidcLoginOptions;
  readonly #key: Uint8Array;
  #config: Promise<client.Configuration> | undefined;

  /** `key`: at least 32 bytes, the same on every replica (`mcp-gitops proxy` derives it from the vault keyring). */
  constructor(options: OidcLoginOptions, key: Uint8Array) {
    const issuer = new URL(options.issuer);
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))) {
      throw new TypeError(`connections login: issuer ${issuer.origin} must use https (plain http is accepted only on loopback)`);
    }
    if (options.clientId === '') throw new TypeError('connections login: clientId is required');
    if (key.byteLength < 32) throw new TypeError('connections login: the login key must be at least 32 bytes');
    this.#o = options;
    this.#key = key;
  }

  /**
   * Starts a sign-in. Returns the provider URL to send the browser to and the `binding` value to
   * set in the login cookie. Stores nothing.
   */
  async begin(publicUrl: string): Promise<{ url: string; binding: string }> {
    const config = await this.#configuration();
    const binding = randomBytes(32).toString('base64url');
    const expiresAt = String(Date.now() + (this.#o.ttlMs ?? 600_000));
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(publicUrl),
      scope: (this.#o.scopes ?? ['openid']).join(' '),
      state: `${expiresAt}.${derive(this.#key, 'state', `${expiresAt}.${binding}`)}`,
      nonce: derive(this.#key, 'nonce', binding),
      code_challenge: await client.calculatePKCECodeChallenge(derive(this.#key, 'pkce', binding)),
      code_challenge_method: 'S256',
    });
    return { url: url.href, binding };
  }

  /**
   * Finishes a sign-in from the callback's query. `binding` is the login cookie's value.
   * Throws `ERR_CONNECTIONS_LOGIN_STATE` (checked first, without I/O) or `ERR_CONNECTIONS_LOGIN_FAILED`.
   */
  async complete(publicUrl: string, query: URLSearchParams, binding: string | undefined): Promise<SignedInUser> {
    const state = query.get('state');
    const [expiresAt, mac] = state !== null && state.length <= 128 ? state.split('.') : [];
    if (expiresAt === undefined || mac === undefined || !/^\d{1,15}$/.test(expiresAt) || Number(expiresAt) <= Date.now()) {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_STATE', 'this sign-in is unknown, expired or was already used; sign in again');
    }
    const expected = binding === undefined ? undefined : Buffer.from(derive(this.#key, 'state', `${expiresAt}.${binding}`), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    if (expected === undefined || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_STATE', 'this sign-in was started in another browser, or is unknown; sign in again here');
    }
    const providerError = query.get('error');
    if (providerError !== null) {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_FAILED', `the identity provider did not sign you in (${providerError.replace(/[^\w.-]/g, '').slice(0, 64)})`);
    }
    const config = await this.#configuration();
    const current = new URL(redirectUri(publicUrl));
    current.search = query.toString();
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: derive(this.#key, 'pkce', binding!), expectedState: state!, expectedNonce: derive(this.#key, 'nonce', binding!), idTokenExpected: true });
      claims = tokens.claims();
    } catch (error) {
      const code = (error as { error?: unknown }).error;
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_FAILED', `the identity provider did not complete the sign-in${typeof code === 'string' ? ` (${code.slice(0, 64)})` : ''}; sign in again`, { cause: error });
    }
    if (claims === undefined || typeof claims.sub !== 'string' || claims.sub === '') {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_FAILED', 'the identity provider sent no user (the ID token has no "sub")');
    }
    const raw = claims[this.#o.groupsClaim ?? 'groups'];
    const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
    return { user: claims.sub, groups };
  }

  #configuration(): Promise<client.Configuration> {
    if (this.#config === undefined) {
      const issuer = new URL(this.#o.issuer);
      const insecure = issuer.protocol === 'http:';
      const auth = this.#o.clientAuth ?? (this.#o.clientSecret ? 'client_secret_post' : 'none');
      const clientAuth =
        auth === 'none' ? client.None() : auth === 'client_secret_basic' ? client.ClientSecretBasic(this.#o.clientSecret ?? '') : client.ClientSecretPost(this.#o.clientSecret ?? '');
      const pending = client.discovery(issuer, this.#o.clientId, undefined, clientAuth, { ...(insecure ? { execute: [client.allowInsecureRequests] } : {}), timeout: 15 });
      this.#config = pending;
      pending.catch(() => {
        if (this.#config === pending) this.#config = undefined;
      });
    }
    return this.#config.catch((error: unknown) => {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_FAILED', `the identity provider ${new URL(this.#o.issuer).origin} could not be reached or described itself wrongly; try again later`, { cause: error });
    });
  }
}

function redirectUri(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}${LOGIN_CALLBACK_PATH}`;
}
