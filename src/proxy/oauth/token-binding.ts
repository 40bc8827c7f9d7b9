/**
 * Where a user's tokens were issued, and the check that they are only ever sent back there.
 *
 * A stored token set carries the fingerprint of the gateway it was issued for: the authorization
 * server's issuer and token endpoint, the client id, the resource (RFC 8707) and audience asked for,
 * and the upstream's origin. It is sealed with the tokens (authenticated, not changeable without the
 * vault key). Whoever can edit an McpGateway can change `url` or `tokenUrl`; before a token is sent
 * to the upstream, or a refresh token to the token endpoint, the stored fingerprint is compared with
 * the gateway's current one. A record that differs is never sent anywhere: it becomes "reconnect
 * needed" with a reason naming what changed (field names only; no token, no URL).
 *
 * Records stored before fingerprints existed have none: they are bound to the gateway as it is at
 * their first use after the upgrade (docs/oauth.md, "Tokens bound to where they were issued").
 */
import type { GatewayRegistration } from '../registry/types.ts';
import type { ResolvedProvider } from './provider.ts';

/** The fingerprint's fields, in the words the reason uses. */
const FIELDS = {
  issuer: 'issuer',
  tokenEndpoint: 'token endpoint',
  clientId: 'client id',
  resource: 'resource',
  audience: 'audience',
  upstreamOrigin: 'upstream origin',
} as const;

export type TokenBinding = Record<keyof typeof FIELDS, string>;

/** The fingerprint of `gateway` as configured and resolved now ('' for a field that does not apply). */
export function bindingOf(gateway: GatewayRegistration, provider: ResolvedProvider): TokenBinding {
  const server = provider.config.serverMetadata();
  return {
    issuer: server.issuer,
    tokenEndpoint: server.token_endpoint ?? '',
    clientId: provider.config.clientMetadata().client_id,
    resource: provider.tokenParams.resource ?? '',
    audience: provider.authorizeParams.audience ?? '',
    upstreamOrigin: new URL(gateway.spec.url).origin,
  };
}

/**
 * Why tokens bound to `stored` must not be used with `current`, or undefined when they may (same
 * fingerprint). `stored` undefined = a record from before fingerprints: the caller adopts it.
 */
export function bindingProblem(stored: Record<string, string> | undefined, current: TokenBinding): string | undefined {
  if (stored === undefined) return undefined;
  const changed = (Object.keys(FIELDS) as Array<keyof typeof FIELDS>).filter((field) => (stored[field] ?? '') !== current[field]).map((field) => FIELDS[field]);
  if (changed.length === 0) return undefined;
  return `${RETARGETED} since this account was connected (changed: ${changed.join(', ')}); the stored tokens are never sent to the new target, connect again to authorize it`;
}

const RETARGETED = 'the gateway was retargeted';

/** True for a `lastError` written by {@link bindingProblem}. */
export function isRetargetReason(lastError: string | undefined): boolean {
  return lastError?.startsWith(RETARGETED) ?? false;
}

/** An error carrying a binding problem through the vault's refresher (`onFailure` recognises it). */
export class TokenBindingError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.name = 'TokenBindingError';
    this.reason = reason;
  }
}
