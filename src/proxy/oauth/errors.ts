/**
 * Errors of the OAuth relay. Each has a stable `code` and the HTTP status the relay answers with;
 * messages say what is wrong and where, never a token, code, verifier or client secret.
 */

export const OAUTH_ERROR_STATUS = {
  /** The consent link's ticket is missing, malformed, or signed with another key. */
  ERR_OAUTH_TICKET_INVALID: 400,
  /** The consent link is too old: ask the agent for a new one. */
  ERR_OAUTH_TICKET_EXPIRED: 400,
  /** The ticket was issued for another gateway than the one in the path. */
  ERR_OAUTH_TICKET_MISMATCH: 400,
  /** The callback's `state` is unknown, expired, or was already used. */
  ERR_OAUTH_STATE_INVALID: 400,
  /** The provider redirected back with `error=…` (e.g. the user denied access). */
  ERR_OAUTH_PROVIDER_DENIED: 400,
  /** The token endpoint refused the code (wrong PKCE verifier, expired code, bad client). */
  ERR_OAUTH_EXCHANGE_FAILED: 502,
  /** The provider's metadata could not be found or is unusable. */
  ERR_OAUTH_DISCOVERY_FAILED: 502,
  /** Dynamic client registration failed. */
  ERR_OAUTH_REGISTRATION_FAILED: 502,
  /** A provider or upstream URL is outside the allowlist or resolves to a refused address. */
  ERR_OAUTH_URL_REFUSED: 403,
  /** No gateway with this id is registered. */
  ERR_OAUTH_GATEWAY_UNKNOWN: 404,
  /** The gateway does not use per-user OAuth (auth_type oauth, grant authorization_code). */
  ERR_OAUTH_NOT_PER_USER: 400,
  /** A refresh or client-credentials token request failed. */
  ERR_OAUTH_TOKEN_FAILED: 502,
} as const;

export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS;

export class OAuthRelayError extends Error {
  override name = 'OAuthRelayError';
  readonly code: OAuthErrorCode;

  constructor(code: OAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return OAUTH_ERROR_STATUS[this.code];
  }
}

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
export function relayErrorIn(error: unknown): OAuthRelayError | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof OAuthRelayError) return e;
  }
  return undefined;
}
