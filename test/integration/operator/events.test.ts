/**
 * Events and messages a person can act on (issue 12 item 4), on a real kube-apiserver with a real
 * proxy and upstream:
 *
 * - creating resources that converge emits no Warning (progress is Normal);
 * - status speaks in resource terms: `spec.tools[0].include[1]`, McpGateway names in conflicts,
 *   "every tool excluded", `spec.allowPrivateNetwork` for a refused loopback upstream;
 * - deleting a gateway that VirtualServers use goes ahead, with a Warning on it naming them;
 * - events about one object are deduplicated and rate-limited (client-go's correlator): 100 records
 *   cost at most 25 writes — 10 here, since repeats of an Event whose write still waits are folded into it;
 * - Event writes wait in a bounded queue (client-go's 1,000): a burst beyond it is dropped, not held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/kube/client.ts';
import { KubeEventRecorder } from '../../../src/operator/events.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { apply, condition, eventually, gatewayDoc, kubectlJson, serverDoc, startCluster, startTestOperator, startTestProxy, stopTestProxy, type Cond, type TestProxy } from './harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn(`events.test.ts skipped: no control plane in ${assetsDir()} (hack/build-control-plane.sh)`);

const NS = 'events';
type Obj = { metadata: { uid: string }; status?: { conditions?: Cond[]; unmatched?: string[] } };
interface Event {
  type: string;
  reason: string;
  message: string;
  count?: number;
  involvedObject: { kind: string; name: string };
}

describe.skipIf(!available)('events and messages', () => {
  let cp: ControlPlane;
  let upstream: EdgeServer;
  let proxy: TestProxy;
  let op: OperatorHandle;

  const get = (kind: string, name: string) => kubectlJson<Obj>(cp, ['get', '-n', NS, kind, name]);
  const events = async () => (await kubectlJson<{ items: Event[] }>(cp, ['get', 'events', '-n', NS])).items;

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    upstream = await startEdgeServer();
    // The production URL policy: loopback and private upstreams only where a gateway allows them.
    proxy = await startTestProxy(0, { upstreamUrlPolicy: {} });
    op = await startTestOperator(cp, { proxyUrl: [proxy.adminUrl] });
  });

  afterAll(async () => {
    await op?.stop();
    if (proxy) await stopTestProxy(proxy).catch(() => undefined);
    await upstream?.close();
    await cp?.stop();
  });

  it('resources that converge emit no Warning; Ready is a Normal event', async () => {
    await apply(cp, gatewayDoc(NS, 'edge', upstream.url));
    await apply(cp, serverDoc(NS, 'curated', [{ gateway: 'edge', include: ['echo'] }]));
    await cp.kubectl(['wait', '-n', NS, '--for=condition=Ready', '--timeout=30s', 'virtualserver/curated', 'mcpgateway/edge'], { check: true });
    await op.idle();
    const mine = (await events()).filter((e) => ['edge', 'curated'].includes(e.involvedObject.name));
    expect(mine.filter((e) => e.type === 'Warning')).toEqual([]);
    expect(mine.some((e) => e.type === 'Normal' && e.reason === 'Succeeded')).toBe(true);
  });

  it('status names spec fields, gateway names, "every tool excluded" and spec.allowPrivateNetwork', async () => {
    await apply(cp, gatewayDoc(NS, 'edge2', upstream.url));
    await apply(cp, serverDoc(NS, 'typo', [{ gateway: 'edge', include: ['echo', 'nope'] }]));
    await apply(cp, serverDoc(NS, 'clash', [{ gateway: 'edge', include: ['echo'] }, { gateway: 'edge2', include: ['echo'] }], { naming: 'Plain' }));
    await apply(cp, serverDoc(NS, 'nothing', [{ gateway: 'edge', exclude: ['*'] }]));
    const msg = async (name: string, type: string) => condition(await get('virtualserver', name), type)?.message ?? '';
    await eventually(async () => (await msg('typo', 'ToolsResolved')).includes('spec.tools[0].include[1] "nope"'), 20_000, 'unmatched named by spec field');
    await eventually(async () => /edge\/echo/.test(await msg('clash', 'ToolsResolved')) && /edge2\/echo/.test(await msg('clash', 'ToolsResolved')), 20_000, 'conflict candidates named by gateway');
    expect(await msg('clash', 'ToolsResolved')).not.toMatch(/[0-9a-f]{32}/);
    await eventually(async () => (await msg('nothing', 'ToolsResolved')).includes('every tool excluded'), 20_000, 'every tool excluded');
    expect(await msg('nothing', 'ToolsResolved')).toContain('spec.tools[0].exclude');

    // Loopback is refused unless the gateway allows private networks: the message names the field.
    await apply(cp, { ...gatewayDoc(NS, 'private', upstream.url), spec: { url: upstream.url, transport: 'StreamableHTTP' } });
    const gwReady = async () => condition(await get('mcpgateway', 'private'), 'Ready')?.message ?? '';
    await eventually(async () => (await gwReady().catch(() => '')).includes('spec.allowPrivateNetwork'), 20_000, 'refusal names spec.allowPrivateNetwork').catch(async (err) => {
      throw new Error(`${(err as Error).message}; Ready says: ${condition(await get('mcpgateway', 'private'), 'Ready')?.message}`);
    });
  });

  it('deleting a gateway VirtualServers use goes ahead, with a Warning on it naming them', async () => {
    await cp.kubectl(['delete', '-n', NS, 'mcpgateway/edge2', '--wait=true', '--timeout=30s'], { check: true });
    const warning = await eventually(async () => (await events()).find((e) => e.involvedObject.name === 'edge2' && e.reason === 'GatewayInUse'), 10_000, 'GatewayInUse event');
    expect(warning.type).toBe('Warning');
    expect(warning.message).toContain('VirtualServer clash');
  });

  it('events about one object are deduplicated and rate-limited: 100 records, at most 25 writes', async () => {
    let writes = 0;
    const client = await KubeClient.connect(cp.kubeconfigPath, { onWrite: () => writes++ });
    const recorder = new KubeEventRecorder(client, 'test');
    const gw = await get('mcpgateway', 'edge');
    const target = { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name: 'edge', namespace: NS, uid: gw.metadata.uid } };
    for (let i = 0; i < 100; i++) recorder.record(target, 'Warning', 'Unreachable', `connect ECONNREFUSED (attempt ${i})`);
    await recorder.flush();
    await client.close();
    // 25 pass the spam filter: 9 distinct messages, then 16 of the combined one, folded into its one
    // write while it waited behind the others.
    expect(writes).toBe(10);
    expect(recorder.dropped).toBe(75);
    const flaps = (await events()).filter((e) => e.involvedObject.name === 'edge' && e.reason === 'Unreachable');
    expect(flaps.length).toBe(10); // 9 distinct messages, then one combined event whose count grows
    expect(flaps.find((e) => e.message.startsWith('(combined from similar events)'))?.count).toBe(16);
  });

  it('a burst of Events waits in a bounded queue: beyond 1,000 waiting they are dropped, not held in memory', async () => {
    let writes = 0;
    const client = await KubeClient.connect(cp.kubeconfigPath, { onWrite: () => writes++ });
    const recorder = new KubeEventRecorder(client, 'test');
    const target = (i: number) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name: `burst-${i}`, namespace: NS, uid: `burst-uid-${i}` } });
    for (let i = 0; i < 1_200; i++) recorder.record(target(i), 'Normal', 'Succeeded', 'served');
    // One went out at once, 1,000 wait, the rest never entered the queue.
    expect(recorder.dropped).toBe(199);
    await recorder.flush();
    await client.close();
    expect(writes).toBe(1_001);
    const burst = (await events()).filter((e) => e.involvedObject.name.startsWith('burst-'));
    expect(burst.length).toBe(1_001);
  });
});
