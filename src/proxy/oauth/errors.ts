/**
 * Reading the errors of OAuth providers and libraries. The relay's own errors are `ProxyError`s
 * with an `ERR_OAUTH_*` code (see `../errors.ts`); their messages never carry a token, code,
 * verifier or client secret.
 */
import { isOAuthErrorCode, ProxyError } from '../errors.ts';

/**
 * The OAuth `error` code of a provider response (openid-client's `ResponseBodyError` /
 * `AuthorizationResponseError` carry it as `.error`), else undefined.
 */
export function oauthErrorCode(error: unknown): string | undefined {
  const value = (error as { error?: unknown } | null)?.error;
  return typeof value === 'string' ? value : undefined;
}

/** A short, secret-free description of a provider failure: the OAuth error code or the HTTP status. */
export function describeProviderFailure(error: unknown): string {
  const code = oauthErrorCode(error);
  if (code !== undefined) return `the provider answered "${code}"`;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return `the provider answered HTTP ${status}`;
  const causeCode = (error as { cause?: { code?: unknown } } | null)?.cause?.code ?? (error as { code?: unknown } | null)?.code;
  return typeof causeCode === 'string' ? `the provider could not be reached (${causeCode})` : 'the provider request failed';
}

/** The relay error in `error` or its `cause` chain (libraries wrap what our guarded fetch throws). */
export function relayErrorIn(error: unknown): ProxyError | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ProxyError && isOAuthErrorCode(e.code)) return e;
  }
  return undefined;
}
