/**
 * A lean MCP client for load generation: JSON-RPC over undici with pre-built headers, no schema
 * validation, so the load generator's own CPU stays small next to what it measures. It speaks just
 * enough Streamable HTTP: `initialize` + `notifications/initialized`, POSTed requests answered as
 * JSON or as an SSE stream (read to its end), and a GET stream held open for idle-session runs.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Pool } from 'undici';

const PROTOCOL = '2025-06-18';

export class RawMcpSession {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  #next = 1;

  private constructor(pool: Pool, path: string, headers: Record<string, string>) {
    this.#pool = pool;
    this.#path = path;
    this.#headers = headers;
  }

  /** Initializes a session at `url` (on `pool`, which must point at the same origin). */
  static async open(pool: Pool, url: string, auth: Record<string, string> = {}): Promise<RawMcpSession> {
    const path = new URL(url).pathname;
    const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth };
    const init = await pool.request({ path, method: 'POST', headers: base, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'scale-bench', version: '1' } } }) });
    const text = await init.body.text();
    if (init.statusCode !== 200 || !text.includes('"result"')) throw new Error(`initialize at ${url} → ${init.statusCode} ${text.slice(0, 300)}`);
    const sid = init.headers['mcp-session-id'];
    const headers: Record<string, string> = { ...base, 'mcp-protocol-version': PROTOCOL, ...(typeof sid === 'string' ? { 'mcp-session-id': sid } : {}) };
    const s = new RawMcpSession(pool, path, headers);
    const ack = await pool.request({ path, method: 'POST', headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
    await ack.body.dump();
    return s;
  }

  get sessionId(): string | undefined {
    return this.#headers['mcp-session-id'];
  }

  /** One request; resolves the raw response text (JSON or SSE) once it contains the answer. */
  async request(method: string, params: unknown): Promise<string> {
    const id = this.#next++;
    const res = await this.#pool.request({ path: this.#path, method: 'POST', headers: this.#headers, body: `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${JSON.stringify(params)}}` });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes('"result"')) throw new Error(`${method} → ${res.statusCode} ${text.slice(0, 300)}`);
    return text;
  }

  callTool(name: string, args: Record<string, unknown>): Promise<string> {
    return this.request('tools/call', { name, arguments: args });
  }

  /** Opens the session's GET stream on a connection of its own; resolves once the headers arrived. */
  openGetStream(url: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: 'GET', agent: false, headers: { ...this.#headers, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`GET stream → ${res.statusCode}`));
        res.on('data', () => {});
        resolve({ req, res });
      });
      req.on('error', reject);
      req.end();
    });
  }
}
