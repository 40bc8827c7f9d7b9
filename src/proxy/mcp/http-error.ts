/**
 * How the MCP endpoints (`/servers/{id}/mcp|sse|message`) answer an HTTP-level error: a JSON-RPC
 * error body with `id: null`, as the SDK's own server transport does, so that MCP clients read the
 * message. The registry's JSON-RPC code when it has one (`-32001` session not found, `-32700` bad
 * JSON, `-32600` bad request, `-32003` forbidden, `-32602` invalid params), else `-32000` (the SDK's
 * code for transport errors). `error.data` carries the proxy's own `code` (and field `details`);
 * headers such as `WWW-Authenticate` and `Retry-After` are kept.
 *
 *     HTTP/1.1 401 Unauthorized
 *     WWW-Authenticate: Bearer realm="mcp-gitops"
 *     {"jsonrpc":"2.0","error":{"code":-32000,"message":"missing \"Authorization: Bearer <agent token>\"","data":{"code":"ERR_UNAUTHENTICATED"}},"id":null}
 */
import type { ServerResponse } from 'node:http';
import { ERRORS, ProxyError } from '../errors.ts';
import { sendJson } from '../http/io.ts';

/** The SDK's JSON-RPC code for HTTP-level transport errors. */
const TRANSPORT_ERROR = -32000;

export function sendMcpHttpError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = err instanceof ProxyError ? err : new ProxyError('ERR_INTERNAL', 'internal error');
  const data = e.details ? { code: e.code, details: e.details } : { code: e.code };
  const body = { jsonrpc: '2.0', error: { code: ERRORS[e.code].rpc ?? TRANSPORT_ERROR, message: e.message, data }, id: null };
  sendJson(res, e.status, body, e.headers ?? {});
}
