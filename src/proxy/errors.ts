/**
 * The proxy's one error model: `ProxyError`, a coded error (in the style of jose's `JOSEError`),
 * and `ERRORS`, the one registry that says for each code how it looks on the wire — the HTTP status
 * (admin API, `/tools/invoke`, the OAuth relay's and the connections page's answers) and the
 * JSON-RPC error code (MCP endpoints).
 *
 * Handlers throw what is wrong; the layer that answers decides the shape from the code. Nothing
 * recognises an error by its message. Messages name what is wrong and where; they never contain a
 * secret value (no token, code, verifier, client secret, session id or CSRF token).
 */

/** How one code answers: HTTP `status`, and JSON-RPC `rpc` on the MCP endpoints (default -32603). */
interface Answer {
  readonly status: number;
  readonly rpc?: number;
}

/** Requests to the proxy's own HTTP surface (admin API, MCP endpoints, `/tools/invoke`). */
const PROXY = {
  ERR_BAD_JSON: { status: 400, rpc: -32700 },
  ERR_BAD_REQUEST: { status: 400, rpc: -32600 },
  ERR_UNAUTHENTICATED: { status: 401 },
  ERR_FORBIDDEN: { status: 403, rpc: -32003 },
  ERR_ORIGIN_NOT_ALLOWED: { status: 403 },
  /** The `Host` is not an allowed host of the MCP endpoints (DNS rebinding protection). */
  ERR_HOST_NOT_ALLOWED: { status: 403 },
  ERR_NOT_FOUND: { status: 404 },
  /** An unknown, expired or ended `Mcp-Session-Id` (the SDK's own code: the client starts over). */
  ERR_SESSION_NOT_FOUND: { status: 404, rpc: -32001 },
  ERR_METHOD_NOT_ALLOWED: { status: 405 },
  /** A `Last-Event-ID` this replica cannot replay (another replica's, from before a restart, or dropped by the bound). */
  ERR_STREAM_NOT_REPLAYABLE: { status: 410, rpc: -32000 },
  ERR_CONFLICT: { status: 409 },
  /** A bare name several namespaces use: the caller must say which (id or `namespace/name`). */
  ERR_AMBIGUOUS_NAME: { status: 409, rpc: -32602 },
  ERR_DIGEST_MISMATCH: { status: 409 },
  ERR_BODY_TOO_LARGE: { status: 413 },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  ERR_VALIDATION: { status: 422, rpc: -32602 },
  ERR_TOO_MANY_SESSIONS: { status: 503 },
  /** A replica started with `requireSync` has not had its first full sync: it may be about to receive what was asked for. */
  ERR_NOT_SYNCED: { status: 503 },
  ERR_UPSTREAM_UNAVAILABLE: { status: 502 },
  ERR_INTERNAL: { status: 500, rpc: -32603 },
} as const satisfies Record<string, Answer>;

/** A tool call (`mcp/tool-call.ts`), whichever entry point it came through, and the other requests an agent makes of a virtual server (`mcp/catalog-requests.ts`). */
const TOOL_CALL = {
  /** The session's virtual server was deleted while the session lived. */
  ERR_SERVER_GONE: { status: 404, rpc: -32001 },
  /** The virtual server serves no tool of this name (MCP: "Unknown tool: <name>", `-32602`). */
  ERR_UNKNOWN_TOOL: { status: 404, rpc: -32602 },
  /** The virtual server serves no prompt of this name (`prompts/get`, prompt completions; MCP: `-32602`). */
  ERR_UNKNOWN_PROMPT: { status: 404, rpc: -32602 },
  /** The virtual server serves no resource at this URI, or two gateways' templates claim it (MCP: `-32002` Resource not found). */
  ERR_UNKNOWN_RESOURCE: { status: 404, rpc: -32002 },
} as const satisfies Record<string, Answer>;

/** The OAuth relay (consent routes, token requests, provider discovery). */
const OAUTH = {
  /** The consent link's ticket is missing, malformed, or signed with another key. */
  ERR_OAUTH_TICKET_INVALID: { status: 400 },
  /** The consent link is too old: ask the agent for a new one. */
  ERR_OAUTH_TICKET_EXPIRED: { status: 400 },
  /** The ticket was issued for another gateway than the one in the path. */
  ERR_OAUTH_TICKET_MISMATCH: { status: 400 },
  /** The consent link's ticket already started a flow: each link works once. */
  ERR_OAUTH_TICKET_USED: { status: 400 },
  /** The signed-in user has the most authorizations in progress one account may start (`Retry-After` says when one ends). */
  ERR_OAUTH_TOO_MANY_PENDING: { status: 429 },
  /** The browser is signed in as another user than the one the consent link was made for. */
  ERR_OAUTH_WRONG_ACCOUNT: { status: 403 },
  /** No sign-in is configured (the connections page), so the relay cannot tell who is at the browser. */
  ERR_OAUTH_SIGN_IN_UNAVAILABLE: { status: 503 },
  /** The callback reached a browser that did not start the flow (no or another consent cookie). */
  ERR_OAUTH_BROWSER_MISMATCH: { status: 400 },
  ERR_OAUTH_CALLBACK_MISMATCH: { status: 400 },
  ERR_OAUTH_ISSUER_MISMATCH: { status: 400 },
  /** The callback's `state` is forged, unknown, expired, or was already used. */
  ERR_OAUTH_STATE_INVALID: { status: 400 },
  /** The provider redirected back with `error=…` (e.g. the user denied access). */
  ERR_OAUTH_PROVIDER_DENIED: { status: 400 },
  /** The token endpoint refused the code (wrong PKCE verifier, expired code, bad client). */
  ERR_OAUTH_EXCHANGE_FAILED: { status: 502 },
  /** The provider's metadata could not be found or is unusable. */
  ERR_OAUTH_DISCOVERY_FAILED: { status: 502 },
  /** Dynamic client registration failed. */
  ERR_OAUTH_REGISTRATION_FAILED: { status: 502 },
  /** A provider or upstream URL is outside the allowlist or resolves to a refused address. */
  ERR_OAUTH_URL_REFUSED: { status: 403 },
  /** No gateway with this id is registered. */
  ERR_OAUTH_GATEWAY_UNKNOWN: { status: 404 },
  /** The gateway does not use per-user OAuth (auth_type oauth, grant authorization_code). */
  ERR_OAUTH_NOT_PER_USER: { status: 400 },
  /** A refresh or client-credentials token request failed. */
  ERR_OAUTH_TOKEN_FAILED: { status: 502 },
} as const satisfies Record<string, Answer>;

/** The connections page (plain words for the person at the browser). */
const CONNECTIONS = {
  /** A form was posted without the page's CSRF token, or with another session's. */
  ERR_CONNECTIONS_CSRF: { status: 403 },
  /** A form was posted from another origin (`Origin` / `Sec-Fetch-Site`). */
  ERR_CONNECTIONS_CROSS_ORIGIN: { status: 403 },
  /** A form action needs a signed-in session. */
  ERR_CONNECTIONS_NOT_SIGNED_IN: { status: 401 },
  /** The account holds the most live sessions one account may (`Retry-After` says when one ends). */
  ERR_CONNECTIONS_TOO_MANY_SESSIONS: { status: 429 },
  /** The sign-in response is unknown, expired, already used, or came to another browser. */
  ERR_CONNECTIONS_LOGIN_STATE: { status: 400 },
  /** The identity provider refused the sign-in or could not be reached. */
  ERR_CONNECTIONS_LOGIN_FAILED: { status: 502 },
  /** A dev sign-in link is unknown, expired or already used. */
  ERR_CONNECTIONS_DEV_LINK: { status: 400 },
  /** The form body is malformed, too large, or misses a field. */
  ERR_CONNECTIONS_FORM: { status: 400 },
  /** The gateway in the form is not one this user may reach through a virtual server. */
  ERR_CONNECTIONS_GATEWAY: { status: 404 },
  /** No such page or method. */
  ERR_CONNECTIONS_NOT_FOUND: { status: 404 },
  /** The page was used before `bind()` (a wiring mistake). */
  ERR_CONNECTIONS_NOT_READY: { status: 503 },
} as const satisfies Record<string, Answer>;

/** Every code a `ProxyError` can carry, and how it answers. */
export const ERRORS: Readonly<Record<ProxyErrorCode, Answer>> = { ...PROXY, ...TOOL_CALL, ...OAUTH, ...CONNECTIONS };

export type ProxyErrorCode = keyof typeof PROXY | keyof typeof TOOL_CALL | keyof typeof OAUTH | keyof typeof CONNECTIONS;

/** The OAuth relay's codes (its errors are found in a library's `cause` chain by these). */
export type OAuthErrorCode = keyof typeof OAUTH;

export function isOAuthErrorCode(code: string): code is OAuthErrorCode {
  return Object.hasOwn(OAUTH, code);
}

/** One problem with one field of a request body. `path` is dotted, e.g. `oauth_config.token_url`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** JSON-RPC "internal error", for codes the registry gives no JSON-RPC code. */
const RPC_INTERNAL = -32603;

/**
 * An error the proxy answers with. `status` and `rpcCode` follow from `code` (see `ERRORS`);
 * `details` lists field problems for validation errors; `headers` are extra response headers (e.g.
 * `WWW-Authenticate` on 401).
 */
export class ProxyError extends Error {
  override name = 'ProxyError';
  readonly code: ProxyErrorCode;
  readonly details: FieldProblem[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ProxyErrorCode, message: string, options: { details?: FieldProblem[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  /** The JSON-RPC error code this error answers with on an MCP endpoint. */
  get rpcCode(): number {
    return ERRORS[this.code].rpc ?? RPC_INTERNAL;
  }

  /** The JSON body of the error response: `{message, code, details?}`. */
  toJSON(): { message: string; code: ProxyErrorCode; details?: FieldProblem[] } {
    return this.details ? { message: this.message, code: this.code, details: this.details } : { message: this.message, code: this.code };
  }
}
