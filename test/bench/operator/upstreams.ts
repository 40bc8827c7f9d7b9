/**
 * The benchmark's upstream MCP servers: our edge server (stateful Streamable HTTP sessions, the
 * tools `echo` and `add`), `origins` of them on separate ports, spread over `processes` child
 * processes — so their sessions (one per gateway) cost the proxy's and the benchmark's processes
 * nothing, and no single-threaded server carries more than its share.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildServer } from '../../support/upstreams/child.ts';

const EDGE_SERVER = join(fileURLToPath(import.meta.url), '../../../support/upstreams/edge-server.ts');

export interface Upstreams {
  /** Every child's pid (to sample their memory). */
  readonly pids: readonly number[];
  /** The MCP endpoint gateway `i` points to: origins in turn. */
  urlFor(i: number): string;
  close(): Promise<void>;
}

export async function startUpstreams(origins: number, processes: number): Promise<Upstreams> {
  const counts = Array.from({ length: Math.min(processes, origins) }, (_, p) => Math.floor(origins / processes) + (p < origins % processes ? 1 : 0));
  const children: ChildServer[] = await Promise.all(counts.map((k) => startChild([EDGE_SERVER], { EDGE_SERVERS: String(k) }, 60_000)));
  const urls = children.flatMap((c) => c.ports.map((port) => `http://127.0.0.1:${port}/mcp`));
  return {
    pids: children.map((c) => c.child.pid!),
    urlFor: (i) => urls[i % urls.length]!,
    close: async () => {
      await Promise.all(children.map((c) => c.kill()));
    },
  };
}
