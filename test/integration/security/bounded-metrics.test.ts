// Attacker test for issue 11 finding 3 (MEDIUM): memory exhaustion through metric labels.
// The real proxy (two listeners, as installed) and a real MCP upstream.
//
// The attack: any authenticated agent calls tools with made-up 256 KiB names. On the old proxy each
// name became a Prometheus label value (no cap, no cleanup): 40 calls grew the heap by ~51 MiB and
// `/metrics` to ~210 MB — readable by anyone on the agent port the Ingress exposes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { heapAfterGc, MiB } from '../../support/heap.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { agentToken, eventually, startTestProxy, type TestProxy } from '../proxy/harness.ts';

let edge: EdgeServer;
let proxy: TestProxy;
let token: string;
const GW = gatewayId('team-a', 'edge');
const VS = serverId('team-a', 'tools');

beforeAll(async () => {
  edge = await startEdgeServer();
  proxy = await startTestProxy({ port: 0, adminPort: 0 });
  token = await agentToken('mallory');
  await proxy.admin(`/gateways/${GW}`, { method: 'PUT', body: { name: 'edge', namespace: 'team-a', url: edge.url, transport: 'STREAMABLEHTTP' } });
  await proxy.admin(`/servers/${VS}`, { method: 'PUT', body: { name: 'tools', namespace: 'team-a', naming: 'Plain', tool_selectors: [{ gateway_id: GW, include: ['echo'] }] } });
  await eventually(async () => (await proxy.admin(`/servers/${VS}`)).body?.toolCount === 1, 15_000, 'echo served');
});
afterAll(async () => {
  await proxy?.close();
  await edge?.close();
});

const invoke = (toolName: string) =>
  fetch(`${proxy.url}/tools/invoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ server_id: VS, tool_name: toolName, arguments: { text: 'hi' } }),
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });
const metricsText = async () => (await fetch(`${proxy.adminUrl}/metrics`)).text();

describe('attacker: made-up tool names do not grow metrics', () => {
  it('serves /metrics on the admin port only, not on the agent port', async () => {
    expect((await fetch(`${proxy.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${proxy.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await fetch(`${proxy.adminUrl}/metrics`)).status).toBe(200);
  });

  it('200 calls with distinct 256 KiB names: heap after GC and /metrics stay flat; all counted under tool="(unknown)"', async () => {
    expect(await invoke('echo')).toBe(200);
    const warm = 'w'.repeat(256 * 1024);
    for (let i = 0; i < 10; i++) expect(await invoke(`${i}${warm}`)).toBe(404);
    const heapBefore = await heapAfterGc();
    const metricsBefore = (await metricsText()).length;

    const CALLS = 200;
    const long = 'x'.repeat(256 * 1024);
    for (let i = 0; i < CALLS; i++) expect(await invoke(`${i}-${long}`)).toBe(404);

    const heapGrowth = (await heapAfterGc()) - heapBefore;
    const metrics = await metricsText();
    console.log(`metric labels hammer: ${CALLS} calls × 256 KiB names → heap after GC +${(heapGrowth / MiB).toFixed(2)} MiB, /metrics ${metricsBefore} → ${metrics.length} bytes`);
    expect(heapGrowth).toBeLessThan(4 * MiB);
    expect(metrics.length - metricsBefore).toBeLessThan(2048);
    expect(metrics).toMatch(/mcp_gitops_tool_calls_total\{server="tools",gateway="",tool="\(unknown\)",outcome="unknown_tool"\} 210/);
    expect(metrics).toContain('tool="echo"');
    expect(metrics).not.toContain('xxxxxxxxxx');
  }, 120_000);
});
