/**
 * A small MCP server of our own (SDK low-level `Server`, Streamable HTTP, stateful sessions) for
 * the cases server-everything does not cover precisely: JSON-RPC errors, `isError` results,
 * structured content, cancellation observed by the upstream, logging tied to a request.
 *
 * Tools: `echo {text}`, `add {a,b}` (structured), `fail_rpc` (JSON-RPC error -32042… see below),
 * `fail_tool` (isError), `wait_for_cancel` (resolves only when cancelled; recorded in `cancelled`),
 * `progress {steps}`, `log {text}` (a `notifications/message` on the request's stream, then a result),
 * `whoami` (the Authorization header it received); with `resetConnection`, `reset_connection` (resets its own TCP connection); with `dropStream`, `drop_stream` (ends its
 * call's stream unanswered, with no event id to resume from); with `askClient`, `ask_client {kind, tag}` (a
 * request to its client during the call — `kind` `form` (default) or `url` elicitation, `sample`,
 * `roots`, `ping` — `tag` in its message, `detached` to send it outside the call, on the GET stream, `withdraw` to cancel it at once; the
 * result reports the client's answer or error). With `catalog`, the resources, prompt and
 * completions of hack/upstreams/ (test://static, test://items/{id}, greet {name}), resource
 * subscriptions, and `touch {uri}` (notifies this session when it subscribed to uri).
 *
 * `refuseToken`: requests bearing that token get 401 (a revoked token of one user).
 *
 * Run in-process with `startEdgeServer()`, or as a child: `node edge-server.ts` (env PORT, EDGE_JSON=1,
 * EDGE_DROP_STREAM=1, EDGE_REFUSE_TOKEN, EDGE_SERVERS=k for k servers on k ports; prints
 * `LISTENING <port>…` on stderr).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  isInitializeRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

export const EDGE_TOOLS: Tool[] = [
  { name: 'echo', description: 'Echoes text.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  {
    name: 'add',
    description: 'Adds two numbers, with structured output.',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    outputSchema: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
  },
  { name: 'fail_rpc', description: 'Answers a JSON-RPC error.', inputSchema: { type: 'object' } },
  { name: 'fail_tool', description: 'Answers an isError result.', inputSchema: { type: 'object' } },
  { name: 'wait_for_cancel', description: 'Waits until cancelled.', inputSchema: { type: 'object', properties: { tag: { type: 'string' } } } },
  { name: 'progress', description: 'Reports progress steps.', inputSchema: { type: 'object', properties: { steps: { type: 'number' } } } },
  { name: 'log', description: 'Logs a line, then answers.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'whoami', description: 'Returns the Authorization header the upstream received.', inputSchema: { type: 'object' } },
];

/** Listed only with `startEdgeServer({ askClient: true })` (other suites count the default tools). */
export const ASK_CLIENT_TOOL: Tool = {
  name: 'ask_client',
  description: 'Sends a request to its client (elicitation, sampling or roots) and reports the answer.',
  inputSchema: { type: 'object', properties: { kind: { type: 'string', enum: ['form', 'url', 'sample', 'roots', 'ping'] }, tag: { type: 'string' }, detached: { type: 'boolean' }, withdraw: { type: 'boolean' } } },
};

/**
 * Listed only with `startEdgeServer({ dropStream: true })`: ends its call's SSE stream without an
 * answer and without event ids (no event store), so a client has nothing to resume from.
 */
export const DROP_STREAM_TOOL: Tool = { name: 'drop_stream', description: "Ends its call's stream without answering.", inputSchema: { type: 'object' } };

/**
 * Listed only with `startEdgeServer({ resetConnection: true })`: the server resets the TCP
 * connection its call came on (a proxy or load balancer in between dropping one connection), and
 * stays up for everything else.
 */
export const RESET_CONNECTION_TOOL: Tool = { name: 'reset_connection', description: 'Resets the connection of its own call.', inputSchema: { type: 'object' } };

/** Listed only with `startEdgeServer({ catalog: true })`: notifies this session of a change of `uri` when it subscribed to it. */
export const TOUCH_TOOL: Tool = { name: 'touch', description: 'Notifies the sessions subscribed to uri that it changed.', inputSchema: { type: 'object', properties: { uri: { type: 'string' } }, required: ['uri'] } };

/** What `completion/complete` offers per argument name (greet's `name`, test://items/{id}'s `id`), by prefix. */
const COMPLETIONS: Record<string, string[]> = { name: ['Ada', 'Alan', 'Grace'], id: ['7', '17', '42'] };

/** Serves the conformance catalog (the same as hack/upstreams/) on `server`; returns `touch`: notifies a subscribed uri, false when not subscribed. */
function serveCatalog(server: Server): (uri: string) => Promise<boolean> {
  const subscribed = new Set<string>();
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [{ uri: 'test://static', name: 'static_resource', mimeType: 'text/plain' }] }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [{ uriTemplate: 'test://items/{id}', name: 'item', mimeType: 'text/plain' }] }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const uri = req.params.uri;
    if (uri === 'test://static') return { contents: [{ uri, mimeType: 'text/plain', text: 'static resource text' }] };
    const item = /^test:\/\/items\/(.+)$/.exec(uri);
    if (item) return { contents: [{ uri, mimeType: 'text/plain', text: `item ${item[1]}` }] };
    throw new McpError(-32002, `Resource not found: ${uri}`);
  });
  server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: [{ name: 'greet', description: 'Greets someone.', arguments: [{ name: 'name', required: true }] }] }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => {
    if (req.params.name !== 'greet') throw new McpError(-32602, `Unknown prompt: ${req.params.name}`);
    return { messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${req.params.arguments?.name ?? ''}!` } }] };
  });
  server.setRequestHandler(CompleteRequestSchema, async (req) => ({ completion: { values: (COMPLETIONS[req.params.argument.name] ?? []).filter((v) => v.startsWith(req.params.argument.value)) } }));
  return async (uri) => {
    if (!subscribed.has(uri)) return false;
    await server.sendResourceUpdated({ uri });
    return true;
  };
}

/** The request `ask_client` sends for `kind`, carrying `tag`. */
export function askClientRequest(kind: string, tag: string): { method: string; params: Record<string, unknown> } {
  switch (kind) {
    case 'url':
      return { method: 'elicitation/create', params: { mode: 'url', elicitationId: `e-${tag}`, url: `https://example.test/connect?tag=${encodeURIComponent(tag)}`, message: `open the link (${tag})` } };
    case 'sample':
      return { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `say ${tag}` } }], maxTokens: 10 } };
    case 'roots':
      return { method: 'roots/list', params: {} };
    case 'ping':
      return { method: 'ping', params: {} };
    default:
      return { method: 'elicitation/create', params: { message: `ok? (${tag})`, requestedSchema: { type: 'object', properties: { answer: { type: 'string' } } } } };
  }
}

/** The JSON-RPC error `fail_rpc` answers. */
export const EDGE_RPC_ERROR = { code: -32050, message: 'upstream says no', data: { reason: 'asked to fail' } };

export interface EdgeServer {
  readonly url: string;
  readonly port: number;
  /** Tags of `wait_for_cancel` calls the upstream saw cancelled. */
  readonly cancelled: string[];
  /** Authorization headers received on tool calls. */
  readonly authorizations: (string | undefined)[];
  /** While true, no POST gets an answer (connections stay open): a hung upstream. */
  hung: boolean;
  close(): Promise<void>;
}

function mcpServer(state: { cancelled: string[]; authorizations: (string | undefined)[] }, tools: Tool[], closeStream: (requestId: string | number) => void, catalog: boolean): Server {
  const capabilities = catalog ? { tools: {}, logging: {}, resources: { subscribe: true }, prompts: {}, completions: {} } : { tools: {}, logging: {} };
  const server = new Server({ name: 'edge', version: '1.0.0' }, { capabilities, ...(catalog ? { instructions: 'A test server on the TypeScript SDK.' } : {}) });
  const touch = catalog ? serveCatalog(server) : undefined;
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const args = (req.params.arguments ?? {}) as Record<string, unknown>;
    const auth = extra.requestInfo?.headers.authorization;
    state.authorizations.push(Array.isArray(auth) ? auth[0] : auth);
    switch (req.params.name) {
      case 'echo':
        return { content: [{ type: 'text', text: String(args.text) }] };
      case 'add': {
        const sum = Number(args.a) + Number(args.b);
        return { content: [{ type: 'text', text: String(sum) }], structuredContent: { sum } };
      }
      case 'fail_rpc':
        throw Object.assign(new Error(EDGE_RPC_ERROR.message), { code: EDGE_RPC_ERROR.code, data: EDGE_RPC_ERROR.data });
      case 'fail_tool':
        return { content: [{ type: 'text', text: 'tool failed as asked' }], isError: true };
      case 'wait_for_cancel':
        return new Promise((_resolve, reject) => {
          extra.signal.addEventListener('abort', () => {
            state.cancelled.push(String(args.tag ?? ''));
            reject(new Error('cancelled'));
          });
        });
      case 'progress': {
        const steps = Number(args.steps ?? 3);
        const token = req.params._meta?.progressToken;
        for (let i = 1; i <= steps; i++) {
          if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
        }
        return { content: [{ type: 'text', text: `done in ${steps} steps` }] };
      }
      case 'log':
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'edge', data: String(args.text ?? 'hello') } });
        return { content: [{ type: 'text', text: 'logged' }] };
      case 'ask_client':
        try {
          const ask = askClientRequest(String(args.kind ?? 'form'), String(args.tag ?? ''));
          // `detached`: sent as related to no request, so it travels on the session's GET stream.
          // `withdraw`: the upstream cancels its own request right after sending it.
          const withdraw = new AbortController();
          if (args.withdraw === true) setImmediate(() => withdraw.abort('the upstream changed its mind'));
          const answer = args.detached === true ? await server.request(ask as never, z.unknown() as never, { timeout: 30_000 }) : await extra.sendRequest(ask as never, z.unknown() as never, { timeout: 30_000, signal: withdraw.signal });
          return { content: [{ type: 'text', text: `answered: ${JSON.stringify(answer)}` }] };
        } catch (err) {
          return { content: [{ type: 'text', text: `client refused: ${(err as Error).message}` }] };
        }
      case 'drop_stream':
        closeStream(extra.requestId);
        return new Promise(() => {}); // the answer never comes
      case 'touch': {
        const touched = await touch?.(String(args.uri));
        return { content: [{ type: 'text', text: touched ? `touched ${String(args.uri)}` : `not subscribed to ${String(args.uri)}` }] };
      }
      case 'whoami':
        return { content: [{ type: 'text', text: state.authorizations.at(-1) ?? '' }] };
      default:
        throw new McpError(-32602, `Unknown tool: ${req.params.name}`);
    }
  });
  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
}

/** Starts the edge server on 127.0.0.1 (`port` 0 = free port). */
export async function startEdgeServer(options: { port?: number; enableJsonResponse?: boolean; askClient?: boolean; dropStream?: boolean; catalog?: boolean; refuseToken?: string; resetConnection?: boolean } = {}): Promise<EdgeServer> {
  const tools = [...EDGE_TOOLS, ...(options.askClient ? [ASK_CLIENT_TOOL] : []), ...(options.dropStream ? [DROP_STREAM_TOOL] : []), ...(options.catalog ? [TOUCH_TOOL] : []), ...(options.resetConnection ? [RESET_CONNECTION_TOOL] : [])];
  const state = { cancelled: [] as string[], authorizations: [] as (string | undefined)[] };
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const edge = { hung: false } as EdgeServer;
  const http: HttpServer = createServer(async (req, res) => {
    try {
      if (!req.url?.startsWith('/mcp')) {
        res.writeHead(404).end();
        return;
      }
      // `refuseToken`: this bearer token is refused as an OAuth-protected MCP server refuses a
      // revoked or expired one (one user's problem; the server is fine).
      if (options.refuseToken !== undefined && req.headers.authorization === `Bearer ${options.refuseToken}`) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token", error_description="the token was revoked"' }).end();
        return;
      }
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      if (edge.hung && req.method === 'POST') return;
      const call = body as { method?: string; params?: { name?: string } } | undefined;
      if (options.resetConnection && call?.method === 'tools/call' && call.params?.name === 'reset_connection') {
        req.socket.resetAndDestroy();
        return;
      }
      const sid = req.headers['mcp-session-id'];
      if (typeof sid === 'string') {
        const t = transports.get(sid);
        if (!t) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
          return;
        }
        await t.handleRequest(req, res, body);
        return;
      }
      if (!isInitializeRequest(body)) {
        res.writeHead(400).end();
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse: options.enableJsonResponse ?? false,
        onsessioninitialized: (id) => void transports.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await mcpServer(state, tools, (id) => transport.closeSSEStream(id), options.catalog ?? false).connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  Object.assign(edge, {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    cancelled: state.cancelled,
    authorizations: state.authorizations,
    close: async () => {
      for (const t of transports.values()) await t.close().catch(() => {});
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  });
  return edge;
}

if (import.meta.filename === process.argv[1]) {
  // EDGE_SERVERS=k: k servers on k free ports in this one process (a benchmark's many upstream origins).
  const count = Math.max(1, Number(process.env.EDGE_SERVERS ?? 1));
  const edges = [];
  for (let i = 0; i < count; i++) {
    edges.push(await startEdgeServer({
      port: count === 1 ? Number(process.env.PORT ?? 0) : 0,
      enableJsonResponse: process.env.EDGE_JSON === '1',
      dropStream: process.env.EDGE_DROP_STREAM === '1',
      ...(process.env.EDGE_REFUSE_TOKEN ? { refuseToken: process.env.EDGE_REFUSE_TOKEN } : {}),
    }));
  }
  process.stderr.write(`LISTENING ${edges.map((e) => e.port).join(' ')}\n`);
}
