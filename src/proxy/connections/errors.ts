/**
 * Errors of the connections page. Each has a stable `code` and the HTTP status the page answers
 * with; messages are plain words for the person at the browser and never contain a token, a
 * session id, a CSRF token or a client secret.
 */

export const CONNECTIONS_ERROR_STATUS = {
  /** A form was posted without the page's CSRF token, or with another session's. */
  ERR_CONNECTIONS_CSRF: 403,
  /** A form was posted from another origin (`Origin` / `Sec-Fetch-Site`). */
  ERR_CONNECTIONS_CROSS_ORIGIN: 403,
  /** A form action needs a signed-in session. */
  ERR_CONNECTIONS_NOT_SIGNED_IN: 401,
  /** The sign-in response is unknown, expired, already used, or came to another browser. */
  ERR_CONNECTIONS_LOGIN_STATE: 400,
  /** The identity provider refused the sign-in or could not be reached. */
  ERR_CONNECTIONS_LOGIN_FAILED: 502,
  /** A dev sign-in link is unknown, expired or already used. */
  ERR_CONNECTIONS_DEV_LINK: 400,
  /** The form body is malformed, too large, or misses a field. */
  ERR_CONNECTIONS_FORM: 400,
  /** The gateway in the form is not one this user may reach through a virtual server. */
  ERR_CONNECTIONS_GATEWAY: 404,
  /** No such page or method. */
  ERR_CONNECTIONS_NOT_FOUND: 404,
  /** The page was used before `bind()` (a wiring mistake). */
  ERR_CONNECTIONS_NOT_READY: 503,
} as const;

export type ConnectionsErrorCode = keyof typeof CONNECTIONS_ERROR_STATUS;

export class ConnectionsError extends Error {
  override name = 'ConnectionsError';
  readonly code: ConnectionsErrorCode;

  constructor(code: ConnectionsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return CONNECTIONS_ERROR_STATUS[this.code];
  }
}
