/**
 * The token set stored per (gateway, user): what the proxy needs to call the upstream and to refresh,
 * plus bookkeeping that explains the record's state in plain words. Stored only sealed.
 */
import { z } from 'zod';

export const StoredTokenSet = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Lower-cased token type as the provider sent it. Defaults to "bearer". */
  tokenType: z.string().default('bearer'),
  /** Epoch milliseconds; absent = the provider gave no `expires_in` (treated as non-expiring). */
  expiresAt: z.number().int().optional(),
  /** Scopes granted (the token response's `scope`, else the ones requested). */
  scopes: z.array(z.string()).default([]),
  obtainedAt: z.number().int(),
  lastRefreshedAt: z.number().int().optional(),
  lastUsedAt: z.number().int().optional(),
  /** Why the last refresh failed, in plain words (never a token or a provider response body). */
  lastError: z.string().optional(),
  /** The refresh token was rejected: the user must consent again. */
  reconnectNeeded: z.boolean().default(false),
  /**
   * Where these tokens were issued (the OAuth layer's fingerprint: issuer, token endpoint, client id,
   * resource, audience, upstream origin; non-secret). Sealed with the tokens, so it cannot be changed
   * without the key. Absent on records stored before bindings existed (adopted on their next use).
   */
  binding: z.record(z.string(), z.string()).optional(),
});
export type StoredTokenSet = z.infer<typeof StoredTokenSet>;
export type StoredTokenSetInput = z.input<typeof StoredTokenSet>;

/** True when the access token expires within `skewMs` of `now` (default skew 60 s). */
export function expiresSoon(tokens: StoredTokenSet, now = Date.now(), skewMs = 60_000): boolean {
  return tokens.expiresAt !== undefined && tokens.expiresAt - skewMs <= now;
}
