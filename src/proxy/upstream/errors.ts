/**
 * Why an upstream call did not reach the upstream, as stable codes. These become `isError` tool
 * results naming the gateway; a JSON-RPC error the upstream itself answered is not one of these
 * (it is passed through as the upstream sent it: `JsonRpcError`).
 */
import { STATUS_CODES } from 'node:http';

export type UpstreamFailureCode =
  /** The proxy cannot reach the upstream now (connection refused, DNS, TLS, 5xx, timeout on connect). */
  | 'ERR_UPSTREAM_UNREACHABLE'
  /** The gateway is registered but disabled. */
  | 'ERR_GATEWAY_DISABLED'
  /** Credentials were refused or could not be produced. */
  | 'ERR_UPSTREAM_AUTH'
  /** The user must consent first (per-user OAuth). */
  | 'ERR_CONSENT_REQUIRED'
  /** The upstream did not answer within the call deadline. */
  | 'ERR_UPSTREAM_TIMEOUT'
  /** A call's stream ended before its answer and could not be resumed (that call only; the gateway stays up). */
  | 'ERR_UPSTREAM_STREAM_ENDED'
  /** A list (`tools/list`, …) ran past `MAX_LIST_PAGES` pages or `MAX_LIST_ITEMS` items (session.ts). */
  | 'ERR_UPSTREAM_LIST_TOO_LONG';

export class UpstreamFailure extends Error {
  override name = 'UpstreamFailure';
  readonly code: UpstreamFailureCode;
  readonly gatewayName: string;
  constructor(code: UpstreamFailureCode, gatewayName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.gatewayName = gatewayName;
  }
}

/**
 * A short, secret-free description of a transport failure: `connect ECONNREFUSED 127.0.0.1:4000`,
 * `HTTP 503 Service Unavailable`, … An HTTP error answer is described by its status code and
 * reason phrase only, never its body: the body of an internal service's error page would reach
 * `lastError` and the resource's status, which the gateway author reads (a semi-blind SSRF).
 */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 200);
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599) return `HTTP ${code} ${STATUS_CODES[code] ?? ''}`.trimEnd();
    const http = /\(HTTP (\d{3})\)|\bstatus code:? \(?(\d{3})\b/i.exec(e.message);
    if (http) {
      const status = Number(http[1] ?? http[2]);
      return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
    }
    if (typeof code === 'string' && code.startsWith('E')) {
      const m = /(connect )?(E[A-Z]+)[^\n]*/.exec(e.message);
      return m ? m[0].slice(0, 200) : code;
    }
    if (!e.cause) break;
    e = e.cause;
  }
  return err.message.replace(/^Streamable HTTP error: /, '').split('\n', 1)[0]!.slice(0, 200);
}
