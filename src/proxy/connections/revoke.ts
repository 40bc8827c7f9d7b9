/**
 * RFC 7009 revocation on Disconnect, through openid-client's `tokenRevocation`: the refresh token
 * first (providers then end the whole grant), then the access token. Only when the provider
 * advertises a `revocation_endpoint`; otherwise the outcome says so, so the page can tell the
 * user to remove access at the provider themselves.
 *
 * Best effort by design: the local record is already deleted when this runs, and a provider that
 * is down must not keep a user "connected".
 */
import * as client from 'openid-client';
import type { StoredTokenSet } from '../../vault/index.ts';

export type RevocationOutcome =
  | { kind: 'revoked' }
  | { kind: 'unsupported' }
  | { kind: 'failed'; reason: string };

/** Revokes `tokens` at the provider of `config`. Never throws; never puts a token in `reason`. */
export async function revokeAtProvider(config: client.Configuration, tokens: StoredTokenSet, extra: Record<string, string> = {}): Promise<RevocationOutcome> {
  if (!config.serverMetadata().revocation_endpoint) return { kind: 'unsupported' };
  try {
    if (tokens.refreshToken) await client.tokenRevocation(config, tokens.refreshToken, { ...extra, token_type_hint: 'refresh_token' });
    await client.tokenRevocation(config, tokens.accessToken, { ...extra, token_type_hint: 'access_token' });
    return { kind: 'revoked' };
  } catch (error) {
    const code = (error as { error?: unknown }).error;
    const status = (error as { status?: unknown }).status;
    const reason = typeof code === 'string' ? `the provider answered "${code.slice(0, 64)}"` : typeof status === 'number' ? `the provider answered HTTP ${status}` : 'the provider could not be reached';
    return { kind: 'failed', reason };
  }
}
