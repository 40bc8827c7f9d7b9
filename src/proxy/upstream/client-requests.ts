/**
 * Requests an upstream sends to its client (the proxy) — `elicitation/create`, `sampling/createMessage`,
 * `roots/list` — and how the proxy answers them.
 *
 * Contract:
 * - The proxy declares to every upstream exactly what it can relay: `elicitation` (form and URL),
 *   `sampling`, `roots` (no `listChanged`: agents' root changes are not forwarded, since one
 *   upstream session may serve many agents).
 * - A request the upstream sends on the response stream of a `tools/call` belongs to that call and
 *   is relayed to the agent that made it (`ClientRequestRelay`, see `mcp/agent-requests.ts`).
 * - A request arriving anywhere else (the standalone GET stream of a Streamable HTTP session, or
 *   the single stream of an SSE upstream) cannot be attributed to an agent: it is answered at once
 *   with `-32600` naming why (`refuseUnattributedRequests`).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ErrorCode, ListRootsRequestSchema, McpError, type ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/** What the proxy declares in its `initialize` to upstreams: what `ClientRequestRelay` can pass on. */
export const UPSTREAM_CLIENT_CAPABILITIES: ClientCapabilities = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };

/** The upstream-to-client request methods the proxy relays during a tool call. */
export const RELAYED_METHODS: ReadonlySet<string> = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);

/** A request from the upstream to its client, as received. */
export interface UpstreamClientRequest {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * Passes one upstream request to the agent of the call it belongs to and resolves the agent's
 * result; rejects with a `JsonRpcError` (the one to answer the upstream with).
 * `signal` aborts when the upstream cancels its request or the call ends: then nothing is answered.
 */
export type ClientRequestRelay = (request: UpstreamClientRequest, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** The message answered to the upstream when relaying failed for a reason that is not a JSON-RPC error. */
export const RELAY_FAILED = 'the mcp-gitops proxy could not relay this request to the agent';

/**
 * Answers upstream requests the SDK client receives (outside any tool call's stream) with
 * `-32600`: no agent can be named for them. Call once per client, before `connect`.
 */
export function refuseUnattributedRequests(client: Client): void {
  const refuse = (method: string) => async (): Promise<never> => {
    throw new McpError(ErrorCode.InvalidRequest, `mcp-gitops relays ${method} only on the response stream of the tools/call it belongs to; this request is related to no call, so no agent can answer it`);
  };
  client.setRequestHandler(ElicitRequestSchema, refuse('elicitation/create'));
  client.setRequestHandler(CreateMessageRequestSchema, refuse('sampling/createMessage'));
  client.setRequestHandler(ListRootsRequestSchema, refuse('roots/list'));
}
