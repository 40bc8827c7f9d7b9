/**
 * JSON-RPC errors, both ways: answered to agents (a tool call that failed, a relayed request the
 * agent refused) and to upstreams (a relayed request the proxy or the agent refused), and carried
 * when an upstream or an agent answered one. `toJsonRpcError` turns any error into the one to answer.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ProxyError } from './errors.ts';

/** A JSON-RPC error object (`code`, `message`, `data`) carried as an exception. Never holds a secret. */
export class JsonRpcError extends Error {
  override name = 'JsonRpcError';
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }

  /** The JSON-RPC `error` member. */
  toJSON(): { code: number; message: string; data?: unknown } {
    return { code: this.code, message: this.message, ...(this.data === undefined ? {} : { data: this.data }) };
  }
}

/**
 * The JSON-RPC error to answer for `err`: itself; a `ProxyError` with the code the registry gives
 * it (`ERRORS[code].rpc`); the SDK's `McpError` without its "MCP error N:" prefix; anything else
 * `-32603` with `internalMessage` (never the error's own text, which may hold internals).
 */
export function toJsonRpcError(err: unknown, internalMessage = 'internal error'): JsonRpcError {
  if (err instanceof JsonRpcError) return err;
  if (err instanceof ProxyError) return new JsonRpcError(err.rpcCode, err.message);
  if (err instanceof McpError) return new JsonRpcError(err.code, err.message.replace(/^MCP error -?\d+: /, ''), err.data);
  return new JsonRpcError(ErrorCode.InternalError, internalMessage);
}
