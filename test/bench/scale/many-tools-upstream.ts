/**
 * A bench upstream that stands for many gateways at once: `POST /g/<k>/t/<n>/mcp` is a stateless
 * MCP server (Streamable HTTP, JSON responses, no session id) offering `n` tools named
 * `g<k>_tool<i>`, each with a realistic input schema (~400 bytes of JSON). `tools/call` echoes its
 * arguments. Hand-written JSON-RPC, so that a thousand gateways cost the bench little.
 *
 * Run as a child: `node many-tools-upstream.ts` (prints `LISTENING <port>` on stderr).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ROUTE = /^\/g\/(\d+)\/t\/(\d+)\/mcp$/;

/** The tools gateway `k` offers when asked for `n`. */
export function toolsOf(k: number, n: number): object[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `g${k}_tool${i}`,
    description: `Tool ${i} of gateway ${k}: looks up a record by key and returns its fields, for the scale benchmark.`,
    inputSchema: {
      type: 'object',
      properties: {
        key: { type: 'string', description: 'The record key.' },
        fields: { type: 'array', items: { type: 'string' }, description: 'Fields to return; all when omitted.' },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
      },
      required: ['key'],
    },
    annotations: { readOnlyHint: true },
  }));
}

function answer(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const m = ROUTE.exec(req.url ?? '');
  if (!m) return void res.writeHead(404).end();
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: string; params?: { arguments?: unknown; protocolVersion?: string } };
  if (msg.id === undefined) return void res.writeHead(202).end();
  const k = Number(m[1]);
  const n = Number(m[2]);
  switch (msg.method) {
    case 'initialize':
      return answer(res, { jsonrpc: '2.0', id: msg.id, result: { protocolVersion: msg.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: `many-tools-${k}`, version: '1' } } });
    case 'tools/list':
      return answer(res, { jsonrpc: '2.0', id: msg.id, result: { tools: toolsOf(k, n) } });
    case 'tools/call':
      return answer(res, { jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: JSON.stringify(msg.params?.arguments ?? {}) }] } });
    case 'ping':
      return answer(res, { jsonrpc: '2.0', id: msg.id, result: {} });
    default:
      return answer(res, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `method not found: ${msg.method}` } });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = createServer((req, res) => void serve(req, res).catch(() => res.writeHead(500).end()));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stderr.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
}
