/**
 * Agent authentication against an OpenID/OAuth issuer: bearer JWTs verified with the issuer's JWKS
 * (`jose` `createRemoteJWKSet`: keys cached, re-fetched on an unknown `kid`), `iss` and `aud`
 * checked, asymmetric algorithms only (an HS256 token forged with a guessed secret is refused).
 * The user is `sub` (or `userClaim`), groups come from `groups` (or `groupsClaim`).
 *
 * @example
 *   const verify = createOidcAgentVerifier({ issuer: 'https://login.example.com', audience: 'mcp-gitops' });
 *   const identity = await verify(token); // { user, groups }
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AgentIdentity } from '../registry/types.ts';

export interface OidcAgentAuthOptions {
  /** The issuer (`iss`) agent tokens must carry; its metadata names the JWKS unless `jwksUri` is given. */
  issuer: string;
  /** Accepted `aud` values (at least one). */
  audience: string | string[];
  /** The JWKS URL. Defaults to `jwks_uri` from the issuer's OpenID (then RFC 8414) metadata. */
  jwksUri?: string;
  /** Claim naming the user. Defaults to `sub`. */
  userClaim?: string;
  /** Claim with the user's groups (array or string). Defaults to `groups`. */
  groupsClaim?: string;
  /**
   * Accepted JOSE header `typ` values (case-insensitive, `application/` prefix ignored). A token with
   * another `typ` (an ID token's sibling types, `dpop+jwt`, `logout+jwt`, …) is refused; one without
   * `typ` is accepted. Defaults to `["at+jwt", "JWT"]` (RFC 9068 access tokens and plain JWTs).
   */
  tokenTypes?: string[];
  /**
   * Client ids allowed in `azp` (and `client_id`, RFC 9068) when the token carries one. Unset: any.
   * Set it to the agents' client ids so a token the issuer minted for another app is refused.
   */
  authorizedParties?: string[];
  /** Allowed clock skew in seconds. Defaults to 30. */
  clockToleranceSeconds?: number;
  /** Defaults to the global fetch (metadata discovery only). */
  fetch?: typeof fetch;
}

/** Why an agent token was refused; `code` is stable, the message never contains the token. */
export class AgentTokenError extends Error {
  override name = 'AgentTokenError';
  readonly code: 'ERR_AGENT_TOKEN_INVALID' | 'ERR_AGENT_ISSUER_UNAVAILABLE';
  constructor(code: AgentTokenError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export function createOidcAgentVerifier(options: OidcAgentAuthOptions): (token: string) => Promise<AgentIdentity> {
  const audience = Array.isArray(options.audience) ? options.audience : [options.audience];
  if (audience.length === 0 || audience.some((a) => !a)) throw new TypeError('createOidcAgentVerifier: audience is required');
  const tokenTypes = (options.tokenTypes ?? ['at+jwt', 'JWT']).map(normalizeTyp);
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () =>
    (jwks ??= resolveJwksUri(options).then(
      (uri) => createRemoteJWKSet(new URL(uri)),
      (error: unknown) => {
        jwks = undefined; // retry discovery on the next request
        throw error;
      },
    ));
  return async (token) => {
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      ({ payload, protectedHeader: { typ } } = await jwtVerify(token, await keys(), {
        issuer: options.issuer,
        audience,
        algorithms: ASYMMETRIC,
        clockTolerance: options.clockToleranceSeconds ?? 30,
      }));
    } catch (error) {
      if (error instanceof AgentTokenError) throw error;
      const code = (error as { code?: string }).code ?? 'invalid';
      throw new AgentTokenError('ERR_AGENT_TOKEN_INVALID', `agent token rejected by issuer ${options.issuer} checks: ${code}`);
    }
    if (typ !== undefined && !tokenTypes.includes(normalizeTyp(typ))) {
      throw new AgentTokenError('ERR_AGENT_TOKEN_INVALID', `agent token has typ "${typ.slice(0, 40)}"; accepted: ${tokenTypes.join(', ')}`);
    }
    for (const claim of ['azp', 'client_id'] as const) {
      const party = payload[claim];
      if (party !== undefined && options.authorizedParties && !(typeof party === 'string' && options.authorizedParties.includes(party))) {
        throw new AgentTokenError('ERR_AGENT_TOKEN_INVALID', `agent token was issued to client "${String(party).slice(0, 80)}" (${claim}), which is not an accepted agent client`);
      }
    }
    const user = payload[options.userClaim ?? 'sub'];
    if (typeof user !== 'string' || user === '') {
      throw new AgentTokenError('ERR_AGENT_TOKEN_INVALID', `agent token has no "${options.userClaim ?? 'sub'}" claim`);
    }
    const g = payload[options.groupsClaim ?? 'groups'];
    const groups = Array.isArray(g) ? g.filter((x): x is string => typeof x === 'string') : typeof g === 'string' ? [g] : [];
    return Object.freeze({ user, groups: Object.freeze(groups) });
  };
}

/** `typ` compared as RFC 8725 §3.11 says: case-insensitive, without an `application/` prefix. */
function normalizeTyp(typ: string): string {
  return typ.toLowerCase().replace(/^application\//, '');
}

/**
 * The issuer's JWKS URL, from its OpenID (then RFC 8414) metadata, whose `issuer` must equal it.
 *
 * @throws AgentTokenError ERR_AGENT_ISSUER_UNAVAILABLE naming the issuer and each URL's problem.
 */
export async function resolveJwksUri(options: Pick<OidcAgentAuthOptions, 'issuer' | 'jwksUri' | 'fetch'>): Promise<string> {
  if (options.jwksUri) return options.jwksUri;
  const issuer = new URL(options.issuer);
  const path = issuer.pathname.replace(/\/$/, '');
  const candidates = [`${issuer.origin}${path}/.well-known/openid-configuration`, `${issuer.origin}/.well-known/oauth-authorization-server${path}`];
  const problems: string[] = [];
  for (const url of candidates) {
    try {
      const res = await (options.fetch ?? fetch)(url, { headers: { accept: 'application/json' } });
      if (!res.ok) {
        problems.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      const meta = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (meta.issuer !== options.issuer) {
        problems.push(`${url}: issuer ${String(meta.issuer)} is not ${options.issuer}`);
        continue;
      }
      if (typeof meta.jwks_uri === 'string') return meta.jwks_uri;
      problems.push(`${url}: no jwks_uri`);
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new AgentTokenError('ERR_AGENT_ISSUER_UNAVAILABLE', `cannot find the JWKS of agent token issuer ${options.issuer} (${problems.join('; ')})`);
}
