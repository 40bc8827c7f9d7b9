/**
 * Sessions any replica serves (docs/proxy.md): three proxy replicas behind a round-robin balancer
 * with no affinity; agents hold long conversations while replicas are killed and restarted, then
 * while all are rolled. Counted: calls lost and forced re-initializations. Expected: no agent ever
 * initializes again, and the only calls lost are those in flight on a replica when it was killed
 * (the balancer counts those independently, by method).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ReplicaSet } from '../../support/replicas/replica-set.ts';
import { ADMIN_TOKEN, AGENT_SECRET, agentToken } from './harness.ts';

const GW = 'a'.repeat(32);
const VS = 'b'.repeat(32);
const AGENTS = 6;

let edge: EdgeServer;
let set: ReplicaSet;

beforeAll(async () => {
  edge = await startEdgeServer();
  set = new ReplicaSet({
    adminToken: ADMIN_TOKEN,
    agentSecret: AGENT_SECRET,
    registrations: [
      { path: `/gateways/${GW}`, body: { name: 'edge', url: edge.url, transport: 'STREAMABLEHTTP' } },
      { path: `/servers/${VS}`, body: { name: 'conversations', tool_selectors: [{ gateway_id: GW }] } },
    ],
    ready: async (adminUrl) => {
      for (let i = 0; i < 400; i++) {
        const res = await fetch(`${adminUrl}/servers/${VS}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        if (res.ok && ((await res.json()) as { toolCount: number }).toolCount > 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`replica at ${adminUrl} never listed the edge tools`);
    },
  });
  await set.start(3);
});

afterAll(async () => {
  await set?.close();
  await edge?.close();
});

interface Tally {
  ok: number;
  reinitializations: number;
  lost: Record<string, number>;
}

interface Agent {
  index: number;
  client: Client;
  transport: StreamableHTTPClientTransport;
}

async function connect(index: number): Promise<Agent> {
  const user = `agent-${index % 3}`;
  const transport = new StreamableHTTPClientTransport(new URL(`${set.balancer.url}/servers/${VS}/mcp`), { requestInit: { headers: { authorization: `Bearer ${await agentToken(user)}` } } });
  const client = new Client({ name: `conversation-${index}`, version: '1' });
  await client.connect(transport);
  return { index, client, transport };
}

/** An agent talking through the balancer until `stop`: calls with checked answers, and a tools/list every 8th turn. */
async function converse({ index: agentIndex, client, transport }: Agent, stop: { now: boolean }, tally: Tally): Promise<void> {
  const sessionId = transport.sessionId;
  try {
    for (let turn = 0; !stop.now; turn++) {
      const method = turn % 8 === 7 ? 'tools/list' : 'tools/call';
      try {
        if (method === 'tools/list') {
          const { tools } = await client.listTools(undefined, { timeout: 15_000 });
          expect(tools.map((t) => t.name)).toContain('edge-echo');
        } else {
          const text = `agent ${agentIndex} turn ${turn}`;
          const result = await client.callTool({ name: 'edge-echo', arguments: { text } }, undefined, { timeout: 15_000 });
          expect(result.content).toEqual([{ type: 'text', text }]);
        }
        tally.ok++;
      } catch (err) {
        if (err instanceof StreamableHTTPError && err.code === 404) tally.reinitializations++;
        else tally.lost[method] = (tally.lost[method] ?? 0) + 1;
      }
    }
    expect(transport.sessionId).toBe(sessionId);
  } finally {
    await client.close();
  }
}

async function underLoad(disrupt: () => Promise<void>): Promise<Tally> {
  const tally: Tally = { ok: 0, reinitializations: 0, lost: {} };
  const stop = { now: false };
  const connected = await Promise.all(Array.from({ length: AGENTS }, (_, i) => connect(i)));
  const agents = connected.map((a) => converse(a, stop, tally));
  await new Promise((r) => setTimeout(r, 500));
  await disrupt();
  await new Promise((r) => setTimeout(r, 500));
  stop.now = true;
  await Promise.all(agents);
  return tally;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agent sessions any replica serves, behind a round-robin balancer without affinity', () => {
  it('carry on while replicas are killed and restarted: no re-initialization, only calls in flight on a killed replica fail', { timeout: 180_000 }, async () => {
    const before = { initializes: set.balancer.counts.initializes, cut: { ...set.balancer.counts.cut } };
    const tally = await underLoad(async () => {
      for (const name of set.names) {
        await set.kill(name);
        await pause(400);
        await set.startReplica(name);
        await pause(400);
      }
    });
    const cut = (m: string) => (set.balancer.counts.cut[m] ?? 0) - (before.cut[m] ?? 0);
    expect(tally.reinitializations).toBe(0);
    expect(set.balancer.counts.initializes - before.initializes).toBe(AGENTS);
    expect(tally.lost['tools/call'] ?? 0).toBe(cut('tools/call'));
    expect(tally.lost['tools/list'] ?? 0).toBe(cut('tools/list'));
    expect(tally.ok).toBeGreaterThan(AGENTS * 20);
    console.log(`kill/restart: ${tally.ok} answered, lost ${JSON.stringify(tally.lost)}, cut in flight ${JSON.stringify(set.balancer.counts.cut)}, re-initializations ${tally.reinitializations}`);
  });

  it('carry on through a rolling restart of every replica under load, losing no call', { timeout: 180_000 }, async () => {
    const before = { initializes: set.balancer.counts.initializes, cut: { ...set.balancer.counts.cut } };
    const tally = await underLoad(async () => {
      for (const name of set.names) {
        await set.terminate(name);
        await set.startReplica(name);
      }
    });
    console.log(`rolling restart: ${tally.ok} answered, lost ${JSON.stringify(tally.lost)}, cut in flight ${JSON.stringify(set.balancer.counts.cut)}, re-initializations ${tally.reinitializations}`);
    expect(tally.reinitializations).toBe(0);
    expect(set.balancer.counts.initializes - before.initializes).toBe(AGENTS);
    expect(tally.lost).toEqual({});
    expect(set.balancer.counts.cut['tools/call'] ?? 0).toBe(before.cut['tools/call'] ?? 0);
    expect(tally.ok).toBeGreaterThan(AGENTS * 20);
  });
});
