/**
 * Consent tickets: the short-lived, signed token in a consent link
 * (`/oauth/authorize/{gatewayId}?ticket=…`). It names one user and one gateway; the relay starts a
 * flow only for a browser signed in as that user, and each ticket starts at most one flow (its
 * `jti` is the flow's id, claimed once in the pending store). HS256 with the relay key.
 */
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { ProxyError } from '../errors.ts';

export const TICKET_AUDIENCE = 'mcp-gitops.dev/consent';
export const TICKET_ISSUER = 'mcp-gitops.dev/oauth-relay';

export interface ConsentTicket {
  gatewayId: string;
  user: string;
  /** Same-origin path the browser returns to after the callback (e.g. `/connections`); default: the relay's own result page. */
  returnTo?: string;
}

/** A verified ticket: its single-use id and when it stops working (epoch ms). */
export interface VerifiedTicket extends ConsentTicket {
  id: string;
  expiresAt: number;
}

/** True for a same-origin absolute path (`/x`, not `//host` or `/\host`), at most 512 characters. */
export function isReturnPath(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 512 && /^\/(?![\/\\])[\x21-\x7e]*$/.test(value);
}

/**
 * Signs a ticket for `user` on `gatewayId`.
 *
 * @param ttlSeconds lifetime. Defaults to 600 (10 minutes).
 */
export async function issueTicket(ticket: ConsentTicket, key: Uint8Array, ttlSeconds = 600): Promise<string> {
  if (ticket.returnTo !== undefined && !isReturnPath(ticket.returnTo)) throw new TypeError('issueTicket: returnTo must be a same-origin path like "/connections"');
  return new SignJWT({ gw: ticket.gatewayId, ...(ticket.returnTo !== undefined ? { rt: ticket.returnTo } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'mcp-gitops-consent+jwt' })
    .setSubject(ticket.user)
    .setAudience(TICKET_AUDIENCE)
    .setIssuer(TICKET_ISSUER)
    .setIssuedAt()
    .setJti(randomBytes(16).toString('base64url'))
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key);
}

/**
 * Verifies a ticket for the gateway in the request path. Throws `ERR_OAUTH_TICKET_EXPIRED`,
 * `ERR_OAUTH_TICKET_MISMATCH` (other gateway) or `ERR_OAUTH_TICKET_INVALID`.
 */
export async function verifyTicket(token: string | null, key: Uint8Array, gatewayId: string): Promise<VerifiedTicket> {
  if (!token) throw new ProxyError('ERR_OAUTH_TICKET_INVALID', 'the consent link has no ticket; ask your agent for a new link');
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: TICKET_AUDIENCE, issuer: TICKET_ISSUER, typ: 'mcp-gitops-consent+jwt' }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new ProxyError('ERR_OAUTH_TICKET_EXPIRED', 'the consent link has expired; ask your agent for a new link');
    }
    throw new ProxyError('ERR_OAUTH_TICKET_INVALID', 'the consent link is not valid (malformed or signed with another key); ask your agent for a new link');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.gw !== 'string' || typeof payload.jti !== 'string' || !/^[\w-]{16,64}$/.test(payload.jti) || typeof payload.exp !== 'number') {
    throw new ProxyError('ERR_OAUTH_TICKET_INVALID', 'the consent link lacks a user or a gateway');
  }
  if (payload.gw !== gatewayId) {
    throw new ProxyError('ERR_OAUTH_TICKET_MISMATCH', `the consent link was issued for another gateway than ${gatewayId}`);
  }
  return { id: payload.jti, expiresAt: payload.exp * 1000, gatewayId: payload.gw, user: payload.sub, ...(isReturnPath(payload.rt) ? { returnTo: payload.rt } : {}) };
}
