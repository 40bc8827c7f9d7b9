/**
 * `@modelcontextprotocol/server-everything` as a child process on a loopback port: a real,
 * independent MCP server (tools `echo`, `get-sum`, `trigger-long-running-operation` with progress,
 * `get-structured-content`, …).
 *
 * @example
 * const everything = await startEverything();            // Streamable HTTP on a free port
 * // … register everything.url …
 * await everything.kill();
 * const again = await startEverything({ port: everything.port }); // same URL again
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildServer } from './upstreams/child.ts';

const require = createRequire(import.meta.url);
const ENTRY = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const PRELOAD = fileURLToPath(new URL('./upstreams/loopback-listen.ts', import.meta.url));

export interface Everything extends ChildServer {
  /** The MCP endpoint: `/mcp` for Streamable HTTP, `/sse` for SSE. */
  readonly url: string;
  readonly transport: 'streamableHttp' | 'sse';
}

export async function startEverything(options: { transport?: 'streamableHttp' | 'sse'; port?: number } = {}): Promise<Everything> {
  const transport = options.transport ?? 'streamableHttp';
  const child = await startChild(['--import', PRELOAD, ENTRY, transport], { PORT: String(options.port ?? 0) });
  const path = transport === 'sse' ? '/sse' : '/mcp';
  return { ...child, url: `http://127.0.0.1:${child.port}${path}`, transport };
}
