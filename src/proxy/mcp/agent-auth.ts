/**
 * Credentials on the two sides of the proxy, never interchangeable:
 * - agents: `Authorization: Bearer <HS256 JWT>`; the user is `sub`, groups come from `groups`;
 * - the admin API: `Authorization: Bearer <admin token>`, compared in constant time.
 *
 * Verified agent tokens are cached until their `exp` (at most 5 minutes), so the hot path does not
 * re-run HMAC and claim checks on every request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeJwt, jwtVerify } from 'jose';
import { ProxyError } from '../errors.ts';
import type { AgentIdentity } from '../registry/types.ts';
import { HS256_DEFAULT_AUDIENCE, HS256_DEFAULT_ISSUER, type AgentAuthOptions } from '../agent-auth/options.ts';

const CACHE_MAX = 10_000;
const CACHE_TTL_MS = 5 * 60_000;

/** The bearer token of a request, or undefined. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Checks the admin credential; throws 401 `ERR_UNAUTHENTICATED` without it. */
export function adminGuard(adminToken: string): (req: IncomingMessage) => void {
  if (adminToken.length < 16) throw new Error('adminToken must be at least 16 characters');
  const expected = digest(adminToken);
  return (req) => {
    const token = bearerToken(req);
    if (token === undefined) throw new ProxyError('ERR_UNAUTHENTICATED', 'admin API: missing "Authorization: Bearer <admin token>"', { headers: { 'www-authenticate': 'Bearer realm="mcp-gitops-admin"' } });
    if (!timingSafeEqual(digest(token), expected)) {
      throw new ProxyError('ERR_UNAUTHENTICATED', 'admin API: the bearer token is not the admin token (agent tokens are not accepted here)', { headers: { 'www-authenticate': 'Bearer realm="mcp-gitops-admin", error="invalid_token"' } });
    }
  };
}

export const ANONYMOUS: AgentIdentity = Object.freeze({ user: 'anonymous', groups: Object.freeze([]) as readonly string[] });

export class AgentAuthenticator {
  readonly #opts: AgentAuthOptions;
  readonly #secret: Uint8Array | undefined;
  readonly #admin: Buffer;
  readonly #wwwAuthenticate: (serverId: string | undefined) => string;
  readonly #cache = new Map<string, { identity: AgentIdentity; until: number }>();

  constructor(opts: AgentAuthOptions, adminToken: string, wwwAuthenticate: (serverId: string | undefined) => string) {
    this.#opts = opts;
    this.#admin = digest(adminToken);
    this.#wwwAuthenticate = wwwAuthenticate;
    if ('hs256Secret' in opts) {
      this.#secret = typeof opts.hs256Secret === 'string' ? new TextEncoder().encode(opts.hs256Secret) : opts.hs256Secret;
      if (this.#secret.length < 32) throw new Error('agentAuth.hs256Secret must be at least 32 bytes');
    }
  }

  get insecure(): boolean {
    return 'insecureNoAuth' in this.#opts;
  }

  /** The caller of an agent route. Throws 401 `ERR_UNAUTHENTICATED` with `WWW-Authenticate: Bearer …`. */
  async authenticate(req: IncomingMessage, serverId?: string): Promise<AgentIdentity> {
    const verify = 'verify' in this.#opts ? this.#opts.verify : undefined;
    if (!this.#secret && !verify) return ANONYMOUS;
    const token = bearerToken(req);
    if (token === undefined) throw this.#unauthenticated(serverId, 'missing "Authorization: Bearer <agent token>"');
    const now = Date.now();
    const hit = this.#cache.get(token);
    if (hit) {
      if (hit.until > now) return hit.identity;
      this.#cache.delete(token);
    }
    if (timingSafeEqual(digest(token), this.#admin)) throw this.#unauthenticated(serverId, 'the admin token is not an agent credential');
    if (verify) {
      let identity: AgentIdentity;
      try {
        identity = await verify(token);
      } catch (err) {
        throw this.#unauthenticated(serverId, `agent token rejected: ${(err as Error).message}`, 'invalid_token');
      }
      let exp: number | undefined; // caps the cache at the token's own expiry (when it is a JWT)
      try {
        exp = decodeJwt(token).exp;
      } catch {
        exp = undefined;
      }
      this.#cache.set(token, { identity, until: Math.min(now + CACHE_TTL_MS, typeof exp === 'number' ? exp * 1000 : Infinity) });
      if (this.#cache.size > CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
      return identity;
    }
    let payload;
    try {
      const o = this.#opts as { issuer?: string; audience?: string };
      // A token without an expiry, an issuer or an audience is refused: one leaked secret-signed
      // token must not work forever or for another service sharing the secret.
      ({ payload } = await jwtVerify(token, this.#secret!, {
        algorithms: ['HS256'],
        issuer: o.issuer ?? HS256_DEFAULT_ISSUER,
        audience: o.audience ?? HS256_DEFAULT_AUDIENCE,
        requiredClaims: ['exp', 'iss', 'aud', 'sub'],
      }));
    } catch (err) {
      throw this.#unauthenticated(serverId, `agent token rejected: ${(err as { code?: string }).code ?? 'invalid'}`, 'invalid_token');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw this.#unauthenticated(serverId, 'agent token has no "sub" claim', 'invalid_token');
    const g = payload.groups;
    const groups = Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : typeof g === 'string' ? [g] : [];
    const identity: AgentIdentity = Object.freeze({ user: payload.sub, groups: Object.freeze(groups) });
    const until = Math.min(now + CACHE_TTL_MS, typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity);
    if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(token, { identity, until });
    return identity;
  }

  #unauthenticated(serverId: string | undefined, message: string, error?: string): ProxyError {
    const challenge = this.#wwwAuthenticate(serverId) + (error ? `, error="${error}"` : '');
    return new ProxyError('ERR_UNAUTHENTICATED', message, { headers: { 'www-authenticate': challenge } });
  }
}

/** Whether `identity` may use a server with this access list (empty lists = any authenticated agent). */
export function mayAccess(access: { users: string[]; groups: string[] }, identity: AgentIdentity): boolean {
  if (access.users.length === 0 && access.groups.length === 0) return true;
  return access.users.includes(identity.user) || identity.groups.some((g) => access.groups.includes(g));
}
