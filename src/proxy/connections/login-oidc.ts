/**
 * Sign-in with the organisation's identity provider: OpenID Connect authorization code flow with
 * PKCE (S256), `state` and `nonce`, through `openid-client`. The provider is the issuer that signs
 * agents' tokens, so the page's user (`sub`) is the user whose agent calls the tools.
 *
 * A sign-in in progress is kept server-side under its single-use `state` (a {@link PendingLogins}:
 * the page shares it between replicas through the vault, since the callback may reach another
 * replica than the start) and bound to the browser
 * that started it by a random value in a short-lived cookie (only its hash is stored), so a
 * callback URL planted in another browser signs no one in (login CSRF). The provider's tokens are
 * used once to read the ID token's claims and then dropped: the page keeps only `sub` and groups.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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
  /** Bound on concurrent sign-ins; the oldest are dropped. Defaults to 1000. */
  maxPending?: number;
}

/** Path of the redirect URI to register at the provider: `<publicUrl>/connections/login/callback`. */
export const LOGIN_CALLBACK_PATH = '/connections/login/callback';

export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  /** base64url SHA-256 of the login cookie's value */
  bindingHash: string;
  expiresAt: number;
}

/** Sign-ins in progress, by `state`. `take` is single use: only one caller gets an entry. */
export interface PendingLogins {
  put(state: string, pending: PendingLogin): Promise<void>;
  take(state: string): Promise<PendingLogin | undefined>;
}

/** Sign-ins in progress in this process only, bounded (the oldest dropped), expired ones swept. */
export class MemoryPendingLogins implements PendingLogins {
  readonly #pending = new Map<string, PendingLogin>();
  readonly #max: number;

  constructor(max = 1000) {
    this.#max = max;
  }

  async put(state: string, pending: PendingLogin): Promise<void> {
    const now = Date.now();
    for (const [k, p] of this.#pending) if (p.expiresAt <= now) this.#pending.delete(k);
    while (this.#pending.size >= this.#max) {
      const oldest = this.#pending.keys().next().value;
      if (oldest === undefined) break;
      this.#pending.delete(oldest);
    }
    this.#pending.set(state, pending);
  }

  async take(state: string): Promise<PendingLogin | undefined> {
    const p = this.#pending.get(state);
    this.#pending.delete(state);
    return p;
  }
}

export interface SignedInUser {
  user: string;
  groups: string[];
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export class OidcLogin {
  readonly #o: OidcLoginOptions;
  readonly #pending: PendingLogins;
  #config: Promise<client.Configuration> | undefined;

  constructor(options: OidcLoginOptions, pending: PendingLogins = new MemoryPendingLogins(options.maxPending)) {
    const issuer = new URL(options.issuer);
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))) {
      throw new TypeError(`connections login: issuer ${issuer.origin} must use https (plain http is accepted only on loopback)`);
    }
    if (options.clientId === '') throw new TypeError('connections login: clientId is required');
    this.#o = options;
    this.#pending = pending;
  }

  /**
   * Starts a sign-in. Returns the provider URL to send the browser to and the `binding` value to
   * set in the login cookie.
   */
  async begin(publicUrl: string): Promise<{ url: string; binding: string }> {
    const config = await this.#configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const binding = randomBytes(32).toString('base64url');
    await this.#pending.put(state, { codeVerifier, nonce, bindingHash: sha256(binding).toString('base64url'), expiresAt: Date.now() + (this.#o.ttlMs ?? 600_000) });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(publicUrl),
      scope: (this.#o.scopes ?? ['openid']).join(' '),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, binding };
  }

  /**
   * Finishes a sign-in from the callback's query. `binding` is the login cookie's value.
   * Throws `ERR_CONNECTIONS_LOGIN_STATE` or `ERR_CONNECTIONS_LOGIN_FAILED`.
   */
  async complete(publicUrl: string, query: URLSearchParams, binding: string | undefined): Promise<SignedInUser> {
    const state = query.get('state');
    const pending = state === null ? undefined : await this.#pending.take(state);
    if (pending === undefined || pending.expiresAt <= Date.now()) {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_STATE', 'this sign-in is unknown, expired or was already used; sign in again');
    }
    const expected = Buffer.from(String(pending.bindingHash), 'base64url');
    if (binding === undefined || expected.length !== 32 || !timingSafeEqual(sha256(binding), expected)) {
      throw new ProxyError('ERR_CONNECTIONS_LOGIN_STATE', 'this sign-in was started in another browser; sign in again here');
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
      const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.codeVerifier, expectedState: state!, expectedNonce: pending.nonce, idTokenExpected: true });
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
