import { SignJWT } from 'jose';
import { HS256_DEFAULT_AUDIENCE, HS256_DEFAULT_ISSUER } from './options.ts';

export interface AgentTokenClaims {
  /** The user the agent acts for. */
  sub: string;
  /** Group names, checked against `VirtualServer.spec.access.groups`. */
  groups?: string[];
  /** Lifetime in seconds. Defaults to 3600. */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
}

/**
 * Signs an agent JWT with the shared HS256 secret — the token the proxy accepts from agents when
 * it runs with shared-secret agent authentication (`mcp-gitops dev`, tests, small installations).
 */
export async function mintAgentToken(secret: string | Uint8Array, claims: AgentTokenClaims): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  let jwt = new SignJWT(claims.groups?.length ? { groups: claims.groups } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 3600}s`);
  // The proxy requires exp, iss and aud on HS256 agent tokens.
  return jwt.setIssuer(claims.issuer ?? HS256_DEFAULT_ISSUER).setAudience(claims.audience ?? HS256_DEFAULT_AUDIENCE).sign(key);
}
