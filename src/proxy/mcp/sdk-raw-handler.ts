/**
 * The one place the proxy reaches into the MCP SDK's internals (pinned by
 * test/unit/proxy/sdk-raw-handler.test.ts to the installed SDK version; re-check on upgrade).
 *
 * `Server.setRequestHandler` wraps some methods: for `tools/call` it parses the request again and
 * validates the handler's result against `CallToolResultSchema`; for `logging/setLevel` it accepts
 * only the SDK's own schema. The proxy passes upstream results through verbatim (not parsed twice on
 * the hot path) and answers a wrong log level with `-32602` naming it, so it installs those handlers
 * with the base class's `Protocol.setRequestHandler`, which only routes by method.
 *
 * Handlers installed here may throw any error: it is answered as `toJsonRpcError` says (a
 * `ProxyError` with its registry code), not as the SDK's "-32603 + the error's own message".
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { Protocol, type RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { toJsonRpcError } from '../jsonrpc-error.ts';

export type RawHandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Installs `handler` for the method of `schema` on `server`, skipping `Server`'s own wrapping. */
export function setRawRequestHandler<S extends z.ZodType<{ method: string }>>(server: Server, schema: S, handler: (request: z.output<S>, extra: RawHandlerExtra) => Promise<Record<string, unknown>>): void {
  const answered = async (request: z.output<S>, extra: RawHandlerExtra) => {
    try {
      return await handler(request, extra);
    } catch (err) {
      throw toJsonRpcError(err);
    }
  };
  Protocol.prototype.setRequestHandler.call(server, schema as never, answered as never);
}
