/**
 * The `state` of a consent flow and the cookie that binds it to one browser.
 *
 * - `state` = `<gatewayId>.<flowId>.<HMAC-SHA256(relayKey, "oauth-state:<gatewayId>.<flowId>")>`
 *   (base64url MAC). The callback checks the MAC before it looks anything up, so a forged or
 *   random `state` costs no vault or Kubernetes API call.
 * - The browser that pressed Continue gets a random value in a cookie named after the gateway
 *   (`__Host-mcp-gitops-consent-<gatewayId>` on https, without the prefix on plain-http dev, as the
 *   connections page's own cookies); the pending flow keeps only its SHA-256. A callback URL opened
 *   in another browser (a planted or phished `code`/`state`) finds no matching cookie and is refused.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const STATE_LABEL = 'oauth-state:';

function mac(signed: string, key: Uint8Array): string {
  return createHmac('sha256', key).update(STATE_LABEL + signed, 'utf8').digest('base64url');
}

/** The signed `state` for a flow (its id is the ticket's `jti`) on a gateway. */
export function signState(gatewayId: string, flowId: string, key: Uint8Array): string {
  const signed = `${gatewayId}.${flowId}`;
  return `${signed}.${mac(signed, key)}`;
}

/** The gateway and flow named by a `state` whose MAC verifies, else undefined. Costs no I/O. */
export function stateOf(state: string | null, key: Uint8Array): { gatewayId: string; flowId: string } | undefined {
  if (state === null || state.length > 256) return undefined;
  const parts = state.split('.');
  if (parts.length !== 3 || !/^[a-f0-9]{32}$/.test(parts[0]!) || !/^[\w-]{16,64}$/.test(parts[1]!)) return undefined;
  const given = Buffer.from(parts[2]!, 'utf8');
  const expected = Buffer.from(mac(`${parts[0]}.${parts[1]}`, key), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { gatewayId: parts[0]!, flowId: parts[1]! } : undefined;
}

/** The consent cookie's name for a gateway, with the `__Host-` prefix when the public URL is https. */
export function consentCookieName(gatewayId: string, secure: boolean): string {
  return `${secure ? '__Host-' : ''}mcp-gitops-consent-${gatewayId}`;
}

/** A fresh browser binding: the cookie value and the hash the pending flow keeps. */
export function newBinding(): { value: string; hash: string } {
  const value = randomBytes(32).toString('base64url');
  return { value, hash: bindingHash(value) };
}

export function bindingHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** True when the cookie value hashes to the flow's binding; constant time. */
export function bindingMatches(cookie: string | undefined, hash: string): boolean {
  if (cookie === undefined || cookie === '') return false;
  const a = Buffer.from(bindingHash(cookie), 'utf8');
  const b = Buffer.from(hash, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
