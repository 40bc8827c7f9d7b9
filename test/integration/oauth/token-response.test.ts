import { describe, expect, it } from 'vitest';
import { storedTokens, type TokenResponse } from '../../../src/proxy/oauth/token-response.ts';
import { StoredTokenSet } from '../../../src/vault/index.ts';

function response(body: Record<string, unknown>): TokenResponse {
  return { ...body, expiresIn: () => (typeof body.expires_in === 'number' ? body.expires_in : undefined) } as unknown as TokenResponse;
}

describe('token responses → stored token sets', () => {
  const now = 1_800_000_000_000;

  it('maps a code exchange: expiry from expires_in, granted scopes from the response, else the requested ones', () => {
    const set = StoredTokenSet.parse(storedTokens(response({ access_token: 'at', refresh_token: 'rt', token_type: 'Bearer', expires_in: 3600, scope: 'read offline_access' }), 'read write', undefined, now));
    expect(set).toMatchObject({ accessToken: 'at', refreshToken: 'rt', tokenType: 'bearer', expiresAt: now + 3_600_000, scopes: ['read', 'offline_access'], obtainedAt: now, reconnectNeeded: false });
    expect(set.lastRefreshedAt).toBeUndefined();
    const bare = StoredTokenSet.parse(storedTokens(response({ access_token: 'at', token_type: 'bearer' }), 'read write', undefined, now));
    expect(bare.scopes).toEqual(['read', 'write']);
    expect(bare.expiresAt).toBeUndefined(); // no expires_in: treated as non-expiring, never refreshed early
  });

  it('on refresh keeps the previous refresh token when the provider does not rotate, and clears reconnect state', () => {
    const previous = StoredTokenSet.parse({ accessToken: 'old', refreshToken: 'rt-1', obtainedAt: now - 10_000, lastUsedAt: now - 5, lastError: 'refresh failed: x', reconnectNeeded: false });
    const kept = StoredTokenSet.parse(storedTokens(response({ access_token: 'new', token_type: 'bearer', expires_in: 60 }), '', previous, now));
    expect(kept).toMatchObject({ accessToken: 'new', refreshToken: 'rt-1', obtainedAt: now - 10_000, lastRefreshedAt: now, lastUsedAt: now - 5 });
    expect(kept.lastError).toBeUndefined();
    const rotated = StoredTokenSet.parse(storedTokens(response({ access_token: 'new', refresh_token: 'rt-2', token_type: 'bearer' }), '', previous, now));
    expect(rotated.refreshToken).toBe('rt-2');
  });
});
