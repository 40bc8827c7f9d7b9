import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface ConnectOptions {
  /**
   * Resolve only once the client's standalone GET stream is open. The SDK opens it in the background
   * after `initialize`; a notification the server sends before then has no stream to travel on and is
   * dropped (as the spec allows), so a test of server-initiated notifications waits for it.
   */
  listening?: boolean;
}

/**
 * A `fetch` for the SDK's Streamable HTTP client transport that notices when the client's standalone
 * GET stream opens; `listening()` resolves then (or rejects after `timeoutMs`).
 */
export function streamWatchingFetch(): { fetch: typeof fetch; listening(timeoutMs?: number): Promise<void> } {
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  return {
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if ((init?.method ?? 'GET') === 'GET' && res.ok && res.headers.get('content-type')?.startsWith('text/event-stream')) opened();
      return res;
    },
    listening: async (timeoutMs = 10_000) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the client's GET stream did not open within ${timeoutMs} ms`)), timeoutMs)));
      await Promise.race([open, late]).finally(() => clearTimeout(timer));
    },
  };
}

/** An MCP client (the SDK's) connected to `endpoint` with a bearer token, as an agent would be. */
export async function connectAgent(endpoint: string, token: string, name = 'test-agent', options: ConnectOptions = {}): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  const watch = streamWatchingFetch();
  const transport = new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${token}` } }, fetch: watch.fetch });
  await client.connect(transport);
  if (options.listening) await watch.listening();
  return client;
}
