/**
 * Idle agent sessions: the proxy's heap per session with N sessions initialized (`initialize` +
 * `notifications/initialized`, nothing else), then with each session's GET stream open as SDK
 * clients keep it. Heap after two full GCs in the proxy process, before and after.
 */
import type { IncomingMessage, ClientRequest } from 'node:http';
import { Pool } from 'undici';
import { agentToken } from './hop.ts';
import type { ProxyChild } from './proxy-child.ts';
import { RawMcpSession } from './raw-client.ts';
import { sleep } from './stats.ts';

export interface SessionMemory {
  label: string;
  sessions: number;
  /** Bytes of heap per idle session, no GET stream. */
  heapPerSession: number;
  /** Bytes of heap per idle session with its GET stream open. */
  heapPerSessionWithStream: number;
  rssPerSessionWithStream: number;
}

export async function measureIdleSessions(proxy: ProxyChild, url: string, n: number): Promise<SessionMemory> {
  const auth = { authorization: `Bearer ${await agentToken('idle')}` };
  const pool = new Pool(new URL(url).origin, { connections: 16 });
  const empty = await proxy.ask('heap');
  const sessions: RawMcpSession[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) {
      next++;
      sessions.push(await RawMcpSession.open(pool, url, auth));
    }
  }));
  await sleep(200);
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
    heapPerSession: (initialized.heapUsed - empty.heapUsed) / n,
    heapPerSessionWithStream: (streaming.heapUsed - empty.heapUsed) / n,
    rssPerSessionWithStream: (streaming.rss - empty.rss) / n,
  };
}
