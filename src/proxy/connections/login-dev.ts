/**
 * Dev sign-in for `mcp-gitops dev`: no identity provider, a one-time link instead. The dev command
 * prints `devLoginUrl(user)`; opening it signs that user in once. Each link works once and for
 * 10 minutes (default); only its SHA-256 is kept.
 *
 * Never use this where others can reach the proxy: whoever holds a link is that user.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ProxyError } from '../errors.ts';
import type { SignedInUser } from './login-oidc.ts';

export const DEV_LOGIN_PATH = '/connections/login/dev';

export interface DevLoginOptions {
  /** How long a printed link works. Defaults to 10 minutes. */
  ttlMs?: number;
  /** Bound on unused links; the oldest are dropped. Defaults to 100. */
  maxLinks?: number;
}

function hash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export class DevLoginLinks {
  readonly #links = new Map<string, SignedInUser & { expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: DevLoginOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#max = options.maxLinks ?? 100;
  }

  /** A fresh single-use token for `user`. */
  issue(user: string, groups: readonly string[] = []): string {
    if (user === '') throw new TypeError('dev login: user must not be empty');
    while (this.#links.size >= this.#max) {
      const oldest = this.#links.keys().next().value;
      if (oldest === undefined) break;
      this.#links.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.#links.set(hash(token), { user, groups: [...groups], expiresAt: Date.now() + this.#ttlMs });
    return token;
  }

  /** Consumes a token. Throws `ERR_CONNECTIONS_DEV_LINK` when unknown, used or expired. */
  redeem(token: string | null): SignedInUser {
    const key = token ? hash(token) : undefined;
    const link = key === undefined ? undefined : this.#links.get(key);
    if (key !== undefined) this.#links.delete(key);
    if (link === undefined || link.expiresAt <= Date.now()) {
      throw new ProxyError('ERR_CONNECTIONS_DEV_LINK', 'this sign-in link is unknown, expired or was already used; ask the dev command for a new one (it prints one at start)');
    }
    return { user: link.user, groups: link.groups };
  }
}
