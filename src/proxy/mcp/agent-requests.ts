/**
 * The agent's half of relaying an upstream's request (elicitation, sampling, roots) during a tool
 * call: whether the agent may be asked at all, and — on the fast path, which has no SDK protocol
 * object — sending the request on the call's response stream and matching the agent's answer.
 *
 * Capability rule (MCP 2025-11-25): the agent is asked only what it declared in `initialize`.
 * Otherwise the upstream gets the spec's error: `-32602` for an elicitation mode the agent did not
 * declare (an empty `elicitation: {}` means form mode only), `-32601` for sampling or roots.
 */
import { ErrorCode, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcError } from '../jsonrpc-error.ts';
import type { UpstreamClientRequest } from '../upstream/client-requests.ts';

/** Why `agent` may not be asked `request`, or undefined when it may. */
export function refusalFor(request: UpstreamClientRequest, agent: ClientCapabilities | undefined): JsonRpcError | undefined {
  switch (request.method) {
    case 'elicitation/create': {
      const mode = request.params?.mode ?? 'form';
      const declared = agent?.elicitation as { form?: object; url?: object } | undefined;
      const supported = mode === 'url' ? declared?.url !== undefined : declared !== undefined && (declared.form !== undefined || declared.url === undefined);
      if (supported) return undefined;
      return new JsonRpcError(ErrorCode.InvalidParams, `the agent did not declare ${String(mode).slice(0, 20)}-mode elicitation (capability elicitation${mode === 'url' ? '.url' : ''} in its initialize)`);
    }
    case 'sampling/createMessage':
      return agent?.sampling ? undefined : new JsonRpcError(ErrorCode.MethodNotFound, 'the agent did not declare the sampling capability');
    case 'roots/list':
      return agent?.roots ? undefined : new JsonRpcError(ErrorCode.MethodNotFound, 'the agent did not declare the roots capability');
    default:
      return new JsonRpcError(ErrorCode.MethodNotFound, `Method not found: mcp-gitops does not relay ${request.method.slice(0, 100)}`);
  }
}

/** Writes one JSON-RPC message to the agent on the call's response stream. */
export type WriteToAgent = (message: Record<string, unknown>) => void;

type Pending = { resolve: (result: Record<string, unknown>) => void; reject: (err: JsonRpcError) => void };

/**
 * Requests sent to one agent session on the fast path and not answered yet. Ids are strings
 * (`mcp-gitops-<n>`), so they never collide with the SDK server's numeric ones.
 */
export class AgentRequests {
  readonly #pending = new Map<string, Pending>();
  #seq = 0;

  /**
   * Sends `request` to the agent and resolves its result; rejects with its JSON-RPC error as a
   * `JsonRpcError`. When `signal` aborts first, the agent gets `notifications/cancelled`
   * and the promise rejects with the abort reason.
   */
  send(write: WriteToAgent, request: UpstreamClientRequest, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const id = `mcp-gitops-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.#pending.delete(id)) return;
        write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(signal.reason ?? 'cancelled') } });
        reject(signal.reason);
      };
      this.#pending.set(id, {
        resolve: (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      write({ jsonrpc: '2.0', id, method: request.method, ...(request.params ? { params: request.params } : {}) });
    });
  }

  /** Settles the request a JSON-RPC response from the agent answers. False when it answers none of ours. */
  settle(message: { id?: unknown; result?: unknown; error?: unknown }): boolean {
    if (typeof message.id !== 'string') return false;
    const pending = this.#pending.get(message.id);
    if (!pending) return false;
    this.#pending.delete(message.id);
    if (message.error && typeof message.error === 'object') {
      const e = message.error as { code?: unknown; message?: unknown; data?: unknown };
      pending.reject(new JsonRpcError(typeof e.code === 'number' ? e.code : ErrorCode.InternalError, typeof e.message === 'string' ? e.message : 'the agent answered an error', e.data));
    } else {
      pending.resolve((message.result ?? {}) as Record<string, unknown>);
    }
    return true;
  }
}
