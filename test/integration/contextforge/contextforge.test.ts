/**
 * The operator reconciling into a real IBM ContextForge (PyPI, hack/build-contextforge.sh) with a
 * real kube-apiserver and server-everything as the upstream: resources become ContextForge gateways
 * and servers, agents call the tools through ContextForge's /servers/{id}/mcp, a resync writes
 * nothing (counted at ContextForge), drift is reverted, deletes clean up, and ContextForge's outages,
 * restarts and a wrong admin credential show in conditions and heal by themselves.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverId } from '../../../src/api/ids.ts';
import { runDevContextForge } from '../../../src/dev/contextforge.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { contextforgeVenv, startContextForge, type ContextForge } from '../../support/contextforge.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { connectAgent } from '../../support/mcp-agent.ts';
import { apply, condition, eventually, gatewayDoc, kubectlJson, serverDoc, startCluster, startTestOperator, type Cond } from '../operator/harness.ts';

const available = controlPlaneAvailable() && contextforgeVenv() !== undefined;
if (!available) console.warn(`contextforge.test.ts skipped: needs the control plane in ${assetsDir()} and MCP_GITOPS_CONTEXTFORGE (hack/build-contextforge.sh)`);

const NS = 'mcp';
const SECRET = 'cf-admin';
type Obj = { metadata: { uid: string; annotations?: Record<string, string> }; status?: { conditions?: Cond[]; endpoint?: string; toolCount?: number; unmatched?: string[]; replicas?: { synced: boolean; message?: string }[] } };
type CfTagged = { id: string; name: string; description: string | null; tags: { id: string }[]; associatedToolIds?: string[] };

describe.skipIf(!available)('operator reconciling into a real ContextForge', () => {
  let cp: ControlPlane;
  let cf: ContextForge;
  let everything: Everything;
  let op: OperatorHandle | undefined;

  const get = (kind: string, name: string) => kubectlJson<Obj>(cp, ['get', '-n', NS, kind, name]);
  const ready = async (kind: string, name: string) => {
    const o = await get(kind, name);
    return condition(o, 'Ready')?.status === 'True' ? o : undefined;
  };
  const setToken = (token: string) =>
    apply(cp, { apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NS, labels: { 'mcp-gitops.dev/allow-reference': 'true' } }, stringData: { token } });
  const startOperator = () => startTestOperator(cp, { target: 'contextforge', contextforgeUrl: cf.url, contextforgeTokenSecret: `${NS}/${SECRET}`, proxyPollInterval: 1, finalizerTimeout: 3 });
  const cfGateways = async () => (await cf.api<CfTagged[]>('GET', '/v1/gateways?limit=0&include_inactive=true')).body;
  const cfServers = async () => (await cf.api<CfTagged[]>('GET', '/v1/servers?limit=0&include_inactive=true')).body;
  const owned = (o: CfTagged, key: string) => o.tags.find((t) => t.id.startsWith(`mcp-gitops.dev:${key}:`))?.id.split(':').slice(2).join(':');
  const events = async (reason: string) =>
    (await kubectlJson<{ items: { message: string; involvedObject: { name: string } }[] }>(cp, ['get', 'events', '-n', NS, '--field-selector', `reason=${reason}`])).items;

  beforeAll(async () => {
    [cp, cf, everything] = await Promise.all([startCluster(), startContextForge(), startEverything()]);
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    await setToken(cf.token);
    op = await startOperator();
  }, 300_000);

  afterAll(async () => {
    await op?.stop();
    await Promise.all([cf?.close(), everything?.kill(), cp?.stop()]);
  }, 60_000);

  it('apply → Ready: a ContextForge gateway and server, tagged with the owner, and the tools callable through /servers/{id}/mcp', async () => {
    await apply(cp, gatewayDoc(NS, 'everything', everything.url, { description: 'server-everything' }));
    await apply(cp, serverDoc(NS, 'tools', [{ gateway: 'everything', include: ['echo', 'get-sum'] }], { description: 'echo and sum' }));
    const gw = await eventually(() => ready('McpGateway', 'everything'), 60_000, 'McpGateway Ready');
    const vs = await eventually(() => ready('VirtualServer', 'tools'), 60_000, 'VirtualServer Ready');
    expect(gw.status?.toolCount).toBeGreaterThan(5);
    expect(vs.status?.toolCount).toBe(2);
    // Status speaks of what this operator writes to: ContextForge, not proxy replicas.
    expect(condition(gw, 'Ready')?.message).toMatch(/^\d+ tools served by every ready ContextForge instance$/);
    expect(condition(vs, 'Ready')?.message).toContain('served by every ready ContextForge instance at');
    expect(condition(gw, 'ReplicasSynced')?.message).toBe('every ContextForge instance holds the current spec');
    const id = serverId(NS, 'tools');
    expect(vs.status?.endpoint).toBe(`${cf.url}/servers/${id}/mcp`);

    const [cfGw] = (await cfGateways()).filter((g) => g.name === 'everything');
    expect(cfGw).toBeDefined();
    expect(owned(cfGw!, 'namespace')).toBe(NS);
    expect(owned(cfGw!, 'name')).toBe('everything');
    expect(owned(cfGw!, 'uid')).toBe(gw.metadata.uid);

    // An agent with a ContextForge user's token, through ContextForge's own MCP endpoint.
    const agent = await connectAgent(`${cf.directUrl}/servers/${id}/mcp`, cf.token);
    try {
      const names = (await agent.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(['everything-echo', 'everything-get-sum']);
      const r = await agent.callTool({ name: 'everything-echo', arguments: { message: 'through contextforge' } });
      expect(JSON.stringify(r.content)).toContain('through contextforge');
    } finally {
      await agent.close();
    }
  }, 120_000);

  it('a no-op resync and an operator restart write nothing to ContextForge', async () => {
    await op!.idle();
    cf.resetWrites();
    await new Promise((r) => setTimeout(r, 3_000)); // three observe polls of the running operator
    expect(cf.writeLog()).toEqual([]);
    await op!.stop();
    op = await startOperator();
    await eventually(async () => (await op!.idle(), true));
    await new Promise((r) => setTimeout(r, 3_000));
    await op.idle();
    expect(cf.writeLog()).toEqual([]);
    expect((await ready('VirtualServer', 'tools'))?.status?.toolCount).toBe(2);
  }, 60_000);

  it('reverts a change made in ContextForge to an owned object, with an event naming the field', async () => {
    const [srv] = (await cfServers()).filter((s) => s.id === serverId(NS, 'tools'));
    const edited = await cf.api('PUT', `/v1/servers/${srv!.id}`, { description: 'changed by hand in the admin UI', associated_tools: srv!.associatedToolIds!.slice(0, 1) });
    expect(edited.status).toBe(200);
    await eventually(async () => {
      const [now] = (await cfServers()).filter((s) => s.id === srv!.id);
      return now?.description === 'echo and sum' && now.associatedToolIds?.length === 2;
    }, 20_000, 'the server reverted in ContextForge');
    const evs = await eventually(async () => {
      const e = (await events('DriftReverted')).filter((x) => x.involvedObject.name === 'tools');
      return e.length > 0 ? e : undefined;
    }, 10_000, 'a DriftReverted event');
    expect(evs[0]!.message).toContain('description');
    expect(evs[0]!.message).toContain('associated_tools');
  }, 60_000);

  it('two VirtualServers share a gateway; a selector matching nothing and a rename are reported in status', async () => {
    await apply(cp, serverDoc(NS, 'sums', [{ gateway: 'everything', include: ['get-*'], exclude: ['get-env'] }]));
    await apply(cp, serverDoc(NS, 'nothing', [{ gateway: 'everything', include: ['no-such-tool'], rename: { echo: 'say' } }]));
    const sums = await eventually(() => ready('VirtualServer', 'sums'), 30_000, 'second VirtualServer Ready');
    expect(sums.status?.toolCount).toBeGreaterThan(2);
    expect((await ready('VirtualServer', 'tools'))?.status?.toolCount).toBe(2);
    const nothing = await eventually(async () => {
      const o = await get('VirtualServer', 'nothing');
      return condition(o, 'ToolsResolved')?.status === 'False' ? o : undefined;
    }, 30_000, 'ToolsResolved=False');
    expect(condition(nothing, 'Ready')?.status).toBe('False');
    expect(nothing.status?.unmatched?.join('\n')).toContain('include "no-such-tool" matched no tool of gateway everything');
    expect(nothing.status?.unmatched?.join('\n')).toContain('rename "echo" → "say" cannot be expressed in ContextForge');
  }, 60_000);

  it('never touches an object it does not own; adopts one only when the resource names it', async () => {
    // Another upstream: ContextForge refuses a second gateway with the same URL and credentials.
    const other = await startEverything();
    afterAll(() => other.kill());
    const hand = await cf.api<CfTagged>('POST', '/v1/gateways', { name: 'hand-made', url: other.url, transport: 'STREAMABLEHTTP', description: 'made with curl' });
    expect(hand.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_500)); // garbage collection polls: it stays
    expect((await cfGateways()).some((g) => g.id === hand.body.id)).toBe(true);

    await apply(cp, gatewayDoc(NS, 'hand-made', other.url));
    const refused = await eventually(async () => {
      const o = await get('McpGateway', 'hand-made');
      return condition(o, 'Ready')?.status === 'False' && condition(o, 'Ready')?.message.includes('does not own') ? o : undefined;
    }, 30_000, 'a name conflict in status');
    expect(condition(refused, 'Ready')?.message).toContain('contextforge.mcp-gitops.dev/adopt=hand-made');
    expect((await cfGateways()).find((g) => g.id === hand.body.id)?.description).toBe('made with curl');

    await cp.kubectl(['annotate', '-n', NS, 'McpGateway', 'hand-made', 'contextforge.mcp-gitops.dev/adopt=hand-made'], { check: true });
    await cp.kubectl(['patch', '-n', NS, 'McpGateway', 'hand-made', '--type=merge', '-p', '{"spec":{"description":"now from git"}}'], { check: true });
    await eventually(() => ready('McpGateway', 'hand-made'), 30_000, 'adopted gateway Ready');
    const adopted = await eventually(async () => (await cfGateways()).find((g) => g.id === hand.body.id && g.description === 'now from git'), 30_000, 'the adopted object carries the spec');
    expect(owned(adopted!, 'name')).toBe('hand-made');
  }, 90_000);

  it('a wrong admin credential gives a condition that names the problem, and heals when the Secret is fixed', async () => {
    await setToken('not-a-valid-token');
    const bad = await eventually(async () => {
      const o = await get('McpGateway', 'everything');
      return condition(o, 'Ready')?.status === 'False' ? o : undefined;
    }, 40_000, 'Ready=False on a bad credential');
    expect(condition(bad, 'Ready')?.message).toContain('rejected the admin credential');
    expect(condition(bad, 'Ready')?.message).not.toContain('not-a-valid-token');
    await setToken(cf.token);
    await eventually(() => ready('McpGateway', 'everything'), 40_000, 'Ready again');
    await eventually(() => ready('VirtualServer', 'tools'), 40_000, 'Ready again');
  }, 120_000);

  it('a ContextForge outage shows in conditions and recovers by itself; a restart writes nothing', async () => {
    await cf.stop();
    const down = await eventually(async () => {
      const o = await get('VirtualServer', 'tools');
      return condition(o, 'Ready')?.status === 'False' ? o : undefined;
    }, 30_000, 'Ready=False during the outage');
    expect(condition(down, 'Ready')?.message).toContain('does not answer');
    cf.resetWrites();
    await cf.start();
    await eventually(() => ready('VirtualServer', 'tools'), 60_000, 'Ready after the outage');
    await eventually(() => ready('McpGateway', 'everything'), 60_000, 'Ready after the outage');
    await op!.idle();
    expect(cf.writeLog()).toEqual([]);
  }, 360_000);

  it('deleting the resources removes their ContextForge objects (finalizer) and leaves the rest', async () => {
    await cp.kubectl(['delete', '-n', NS, 'VirtualServer', 'sums', 'nothing', '--wait=true', '--timeout=30s'], { check: true });
    await cp.kubectl(['delete', '-n', NS, 'McpGateway', 'hand-made', '--wait=true', '--timeout=30s'], { check: true });
    const servers = (await cfServers()).map((s) => s.id);
    expect(servers).not.toContain(serverId(NS, 'sums'));
    expect(servers).toContain(serverId(NS, 'tools'));
    expect((await cfGateways()).map((g) => g.name)).not.toContain('hand-made');
  }, 60_000);

  it('mcp-gitops dev --target contextforge converges a directory of YAML into ContextForge and follows edits', async () => {
    // The operator would collect the dev registrations as orphans (no resource for them): one writer per ContextForge.
    await op!.stop();
    op = undefined;
    const dir = await mkdtemp(join(tmpdir(), 'cf-dev-'));
    const gateway = `apiVersion: mcp-gitops.dev/v1alpha1\nkind: McpGateway\nmetadata: {name: dev-everything, namespace: dev}\nspec: {url: '${everything.url}?dev=1', transport: StreamableHTTP, allowPrivateNetwork: true}\n`;
    const server = (include: string) => `apiVersion: mcp-gitops.dev/v1alpha1\nkind: VirtualServer\nmetadata: {name: dev-tools, namespace: dev}\nspec: {tools: [{gateway: dev-everything, include: [${include}]}]}\n`;
    await writeFile(join(dir, 'gateway.yaml'), gateway);
    await writeFile(join(dir, 'server.yaml'), server('echo'));
    const lines: string[] = [];
    const dev = await runDevContextForge({ dir, url: cf.url, token: cf.token, out: (l) => lines.push(l) });
    try {
      const id = serverId('dev', 'dev-tools');
      expect(lines.join('\n')).toContain(`VirtualServer dev/dev-tools: 1 tools at ${cf.url}/servers/${id}/mcp`);
      const settled = dev.settled();
      await writeFile(join(dir, 'server.yaml'), server('echo, get-sum'));
      await settled;
      const [srv] = (await cfServers()).filter((x) => x.id === id);
      expect(srv?.associatedToolIds).toHaveLength(2);
    } finally {
      await dev.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
