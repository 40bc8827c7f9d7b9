// src/net/origin-pool.ts against a real node HTTP server: a kept-alive connection that the server
// closes as it is reused (what kube-apiserver does under load; the bench's bulk of POSTs died on it)
// costs nothing, and a connection that fails otherwise is still an error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginPool } from '../../../src/net/origin-pool.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
});

/** A server that answers the first request of each connection and resets the connection on its second. */
async function resettingServer(): Promise<{ origin: string; requests: () => number }> {
  const seen = new WeakMap<Socket, number>();
  let requests = 0;
  server = createServer((req, res) => {
    requests++;
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    if (n > 1) return void req.socket.resetAndDestroy();
    req.resume();
    req.on('end', () => res.end(`answer ${requests}`));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

describe('OriginPool', () => {
  it('retries a request once when the server resets the kept-alive connection it was sent on', async () => {
    const { origin, requests } = await resettingServer();
    const pool = new OriginPool(origin, { maxSockets: 1 });
    const send = async (method: string) => (await pool.request({ method, path: '/', headers: {}, body: method === 'POST' ? '{}' : undefined, signal: AbortSignal.timeout(5000) })).text();
    expect(await send('GET')).toBe('answer 1');
    expect(await send('POST')).toBe('answer 3'); // request 2 hit the reset connection, 3 went on a fresh one
    expect(requests()).toBe(3);
    pool.close();
  });

  it('a reset of a fresh connection is an error, not retried', async () => {
    server = createServer((req) => req.socket.resetAndDestroy());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const pool = new OriginPool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await expect(pool.request({ method: 'GET', path: '/', headers: {}, signal: AbortSignal.timeout(5000) })).rejects.toMatchObject({ code: 'ECONNRESET' });
    pool.close();
  });
});
