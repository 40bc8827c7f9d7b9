/**
 * Agent-side resumption (MCP Streamable HTTP, `Last-Event-ID`): a real SDK client whose call stream
 * drops mid-call reconnects with GET + Last-Event-ID and receives every progress notification and
 * the result, through a real proxy to a real upstream (server-everything). When the resume reaches a
 * replica that does not hold the stream's events (the one that did is gone), the call fails at once
 * with a clear JSON-RPC error instead of waiting for its timeout.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverId } from '../../../src/api/ids.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { agentToken, eventually, startTestProxy, type TestProxy } from './harness.ts';

let everything: Everything;
let a: TestProxy;
let b: TestProxy;
const VS = serverId('mcp', 'resumable');
const key = randomBytes(32);

beforeAll(async () => {
  everything = await startEverything();
  // Two replicas sharing the session key: any of them serves the session (sealed ids).
  [a, b] = await Promise.all([startTestProxy({ sessionKeys: [key] }), startTestProxy({ sessionKeys: [key] })]);
  for (const p of [a, b]) {
    const gw = await p.admin('/gateways', { body: { name: 'everything', url: everything.url, transport: 'STREAMABLEHTTP' } });
    await p.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'resumable', namespace: 'mcp', tool_selectors: [{ gateway_id: gw.body.id }] } });
    await eventually(async () => (await p.admin(`/servers/${VS}/tools`)).body.length > 0, 15_000, 'discovery');
  }
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await everything?.kill();
});

interface Wire {
  /** Requests as the client sent them: method, host and Last-Event-ID. */
  log: Array<{ method: string; url: string; lastEventId: string | null }>;
  dropped: boolean;
}

/**
 * A fetch that drops the connection of the first tools/call POST right after the stream carried
 * its first progress notification (the socket is closed, as a network failure would), and sends
 * every request after the drop to `after` when given (another replica).
 */
function droppingFetch(wire: Wire, after?: string): typeof fetch {
  return async (input, init) => {
    let url = String(input);
    if (wire.dropped && after) url = url.replace(/^http:\/\/[^/]+/, after);
    const headers = new Headers(init?.headers);
    wire.log.push({ method: init?.method ?? 'GET', url, lastEventId: headers.get('last-event-id') });
    const isCall = init?.method === 'POST' && typeof init.body === 'string' && init.body.includes('"tools/call"');
    if (!isCall || wire.dropped) return fetch(url, init);
    const cut = new AbortController();
    const res = await fetch(url, { ...init, signal: cut.signal });
    const reader = res.body!.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        if (new TextDecoder().decode(value).includes('notifications/progress')) {
          wire.dropped = true;
          cut.abort(); // the next read fails: the stream dropped
        }
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

async function agent(base: string, wire: Wire, after?: string): Promise<Client> {
  const client = new Client({ name: 'resuming-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/servers/${VS}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${await agentToken('alice')}` } },
    fetch: droppingFetch(wire, after),
    reconnectionOptions: { initialReconnectionDelay: 20, maxReconnectionDelay: 100, reconnectionDelayGrowFactor: 1.5, maxRetries: 3 },
  });
  await client.connect(transport);
  return client;
}

describe('agent streams resume with Last-Event-ID', () => {
  it('a dropped call stream resumes: every progress notification and the result arrive, in order', async () => {
    const wire: Wire = { log: [], dropped: false };
    const client = await agent(a.url, wire);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'everything-trigger-long-running-operation', arguments: { duration: 2, steps: 4 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(wire.dropped).toBe(true);
    const resumes = wire.log.filter((r) => r.method === 'GET' && r.lastEventId);
    expect(resumes.length).toBeGreaterThanOrEqual(1);
    expect(resumes[0]!.lastEventId).toMatch(/^[0-9a-f]{8}\.c\d+-[A-Za-z0-9_-]+\.\d+$/);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(JSON.stringify(result.content)).toContain('Long running operation completed');
    // The session goes on as before.
    expect((await client.callTool({ name: 'everything-echo', arguments: { message: 'after' } })).content).toEqual([{ type: 'text', text: 'Echo: after' }]);
    await client.close();
  }, 30_000);

  it('a resume that reaches a replica without the events (the one holding them is gone) fails the call at once with a clear error', async () => {
    const wire: Wire = { log: [], dropped: false };
    const gone = await startTestProxy({ sessionKeys: [key] });
    const gw = await gone.admin('/gateways', { body: { name: 'everything', url: everything.url, transport: 'STREAMABLEHTTP' } });
    await gone.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'resumable', namespace: 'mcp', tool_selectors: [{ gateway_id: gw.body.id }] } });
    await eventually(async () => (await gone.admin(`/servers/${VS}/tools`)).body.length > 0, 15_000, 'discovery');
    const client = await agent(gone.url, wire, b.url);
    // Settled into a value at once: the rejection can arrive while gone.close() is awaited, before an
    // assertion is attached, and an unhandled rejection fails the whole vitest run.
    const call = client.callTool({ name: 'everything-trigger-long-running-operation', arguments: { duration: 30, steps: 30 } }, undefined, { onprogress: () => {} })
      .then((result) => ({ result }), (error: unknown) => ({ error }));
    await eventually(() => wire.dropped, 15_000, 'the drop');
    await gone.close(); // the replica holding the stream's events is gone
    // The proxy's error for the call's request id, not the client's request timeout ("Request timed out").
    expect((await call as { error?: unknown }).error).toMatchObject({ code: -32000, message: expect.stringContaining('does not hold the events of this stream') });
    expect(wire.log.some((r) => r.method === 'GET' && r.lastEventId && r.url.startsWith(b.url))).toBe(true);
    // The session itself lives on at the other replica.
    expect((await client.callTool({ name: 'everything-echo', arguments: { message: 'still here' } })).content).toEqual([{ type: 'text', text: 'Echo: still here' }]);
    await client.close();
  }, 60_000);
});
