/**
 * Errors of the proxy, each with a stable `code` and the HTTP status it maps to.
 *
 * One registry (`PROXY_ERROR_STATUS`) decides the status for a code, so handlers throw what is wrong
 * and the HTTP layer decides how it looks on the wire. Messages name what is wrong and where; they
 * never contain a secret value.
 */

/** Every code a proxy error can carry, and the HTTP status it answers with. */
export const PROXY_ERROR_STATUS = {
  ERR_BAD_JSON: 400,
  ERR_BAD_REQUEST: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_ORIGIN_NOT_ALLOWED: 403,
  ERR_NOT_FOUND: 404,
  ERR_SESSION_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_CONFLICT: 409,
  ERR_DIGEST_MISMATCH: 409,
  ERR_BODY_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_VALIDATION: 422,
  ERR_TOO_MANY_SESSIONS: 503,
  ERR_UPSTREAM_UNAVAILABLE: 502,
  ERR_INTERNAL: 500,
} as const;

export type ProxyErrorCode = keyof typeof PROXY_ERROR_STATUS;

/** One problem with one field of a request body. `path` is dotted, e.g. `oauth_config.token_url`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * An error the proxy answers with. `status` follows from `code`; `details` lists field problems for
 * validation errors.
 */
export class ProxyError extends Error {
  override name = 'ProxyError';
  readonly code: ProxyErrorCode;
  readonly details: FieldProblem[] | undefined;
  /** Extra response headers (e.g. `WWW-Authenticate` on 401). */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ProxyErrorCode,
    message: string,
    options: { details?: FieldProblem[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return PROXY_ERROR_STATUS[this.code];
  }

  /** The JSON body of the error response: `{message, code, details?}`. */
  toJSON(): { message: string; code: ProxyErrorCode; details?: FieldProblem[] } {
    return this.details ? { message: this.message, code: this.code, details: this.details } : { message: this.message, code: this.code };
  }
}
