/**
 * RFC 7009 revocation on Disconnect, through openid-client's `tokenRevocation`. Only when the
 * provider advertises a `revocation_endpoint`; otherwise the outcome says so, so the page can tell
 * the user to remove access at the provider themselves.
 *
 * The refresh token is revoked when there is one (RFC 7009 §2.1: the provider then also ends the
 * access tokens of that grant; self-contained JWT access tokens run out on their own), else the
 * access token. A provider answering `unsupported_token_type` cannot revoke that kind of token.
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
  const [token, hint] = tokens.refreshToken ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token'];
  try {
    await client.tokenRevocation(config, token, { ...extra, token_type_hint: hint });
    return { kind: 'revoked' };
  } catch (error) {
    const code = (error as { error?: unknown }).error;
    if (code === 'unsupported_token_type') return { kind: 'unsupported' };
    const status = (error as { status?: unknown }).status;
    const reason = typeof code === 'string' ? `the provider answered "${code.slice(0, 64)}"` : typeof status === 'number' ? `the provider answered HTTP ${status}` : 'the provider could not be reached';
    return { kind: 'failed', reason };
  }
}
