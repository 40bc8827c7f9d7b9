/**
 * Idle agent sessions: the proxy's heap per session with N sessions initialized (`initialize` +
 * `notifications/initialized`, nothing else) — at once, and after {@link IDLE_MS} without a request
 * (a session drops its SDK pair after 5 s, streamable-session.ts) — then with each session's GET
 * stream open as SDK clients keep it. Heap after two full GCs in the proxy process, before and
 * after. The sessions belong to `n / 10` users (10 each), under the proxy's per-user cap of 100.
 */
import type { IncomingMessage, ClientRequest } from 'node:http';
import { Pool } from 'undici';
import { agentToken } from './hop.ts';
import type { ProxyChild } from './proxy-child.ts';
import { RawMcpSession } from './raw-client.ts';
import { sleep } from './stats.ts';

/** How long the sessions are left without a request before "idle" is measured. */
export const IDLE_MS = 7_000;

export interface SessionMemory {
  label: string;
  sessions: number;
  /** Bytes of heap per session right after `initialize`, no GET stream. */
  heapPerSessionFresh: number;
  /** Bytes of heap per idle session, no GET stream. */
  heapPerSession: number;
  /** Bytes of heap per idle session with its GET stream open. */
  heapPerSessionWithStream: number;
  rssPerSessionWithStream: number;
}

export async function measureIdleSessions(proxy: ProxyChild, url: string, n: number): Promise<SessionMemory> {
  const users = await Promise.all(Array.from({ length: Math.ceil(n / 10) }, async (_, u) => ({ authorization: `Bearer ${await agentToken(`idle-${u}`)}` })));
  const pool = new Pool(new URL(url).origin, { connections: 16 });
  const empty = await proxy.ask('heap');
  const sessions: RawMcpSession[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) {
      const auth = users[next++ % users.length]!;
      sessions.push(await RawMcpSession.open(pool, url, auth));
    }
  }));
  await sleep(200);
  const held = await heldSessions(proxy);
  if (held < n) throw new Error(`${proxy.label}: holds ${held} of ${n} sessions (a cap closed some), the figures would be wrong`);
  const fresh = await proxy.ask('heap');
  await sleep(IDLE_MS);
  const initialized = await proxy.ask('heap');
  const streams: Array<{ req: ClientRequest; res: IncomingMessage }> = [];
  let k = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (k < sessions.length) streams.push(await sessions[k++]!.openGetStream(url));
  }));
  await sleep(500);
  const streaming = await proxy.ask('heap');
  for (const s of streams) s.req.destroy();
  await pool.close();
  return {
    label: proxy.label,
    sessions: n,
    heapPerSessionFresh: (fresh.heapUsed - empty.heapUsed) / n,
    heapPerSession: (initialized.heapUsed - empty.heapUsed) / n,
    heapPerSessionWithStream: (streaming.heapUsed - empty.heapUsed) / n,
    rssPerSessionWithStream: (streaming.rss - empty.rss) / n,
  };
}

/** Agent sessions the proxy holds now (its `mcp_gitops_agent_sessions` gauge). */
async function heldSessions(proxy: ProxyChild): Promise<number> {
  const text = await (await fetch(`${proxy.url}/metrics`)).text();
  return [...text.matchAll(/^mcp_gitops_agent_sessions\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
