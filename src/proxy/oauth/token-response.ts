/** Maps openid-client token responses onto the vault's stored token set. */
import type { TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client';
import type { StoredTokenSet, StoredTokenSetInput } from '../../vault/index.ts';

export type TokenResponse = TokenEndpointResponse & TokenEndpointResponseHelpers;

/**
 * A stored token set from a token response. On refresh pass `previous`: a response without a
 * `refresh_token` keeps the previous one (providers that do not rotate), `obtainedAt` is kept.
 */
export function storedTokens(response: TokenResponse, requestedScope: string, previous?: StoredTokenSet, now = Date.now()): StoredTokenSetInput {
  const expiresIn = response.expiresIn();
  const scope = response.scope ?? requestedScope;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  return {
    accessToken: response.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    tokenType: (response.token_type ?? 'bearer').toLowerCase(),
    ...(expiresIn !== undefined ? { expiresAt: now + expiresIn * 1000 } : {}),
    scopes: scope.split(' ').filter(Boolean),
    obtainedAt: previous?.obtainedAt ?? now,
    ...(previous ? { lastRefreshedAt: now } : {}),
    ...(previous?.lastUsedAt !== undefined ? { lastUsedAt: previous.lastUsedAt } : {}),
    // A refresh keeps where the tokens were issued (checked before the refresh token was sent).
    ...(previous?.binding !== undefined ? { binding: previous.binding } : {}),
    reconnectNeeded: false,
  };
}
