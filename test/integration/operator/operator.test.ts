/**
 * The operator against a real kube-apiserver, with two real proxies and a real upstream MCP server:
 * resources converge every replica, status and `kubectl wait` tell the truth, deletion cleans up,
 * restarts (of a proxy, of a watch, of the operator) lose nothing and write nothing needlessly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId, serverId } from '../../../src/api/ids.ts';
import { McpGateway } from '../../../src/api/mcp-gateway.ts';
import { desiredGateway } from '../../../src/reconcile/desired.ts';
import { KubeClient } from '../../../src/kube/client.ts';
import { Reflector } from '../../../src/operator/kube/reflector.ts';
import { collectionPath, type RawResource } from '../../../src/operator/objects.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { startEverything, type Everything } from '../../support/everything.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import {
  apply, condition, eventually, gatewayDoc, kubectlJson, serverDoc, startCluster, startOperatorProcess, startTestOperator, startTestProxy, stopTestProxy,
  type Cond, type TestProxy,
} from './harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn(`operator.test.ts skipped: no control plane in ${assetsDir()} (hack/build-control-plane.sh)`);

const NS = 'mcp';
type Obj = { metadata: { resourceVersion: string; generation: number; finalizers?: string[] }; status?: { conditions?: Cond[]; observedGeneration?: number; toolCount?: number; endpoint?: string; replicas?: { endpoint: string; synced: boolean }[] } };

describe.skipIf(!available)('operator on a real kube-apiserver', () => {
  let cp: ControlPlane;
  let upstream: EdgeServer;
  let p1: TestProxy;
  let p2: TestProxy;
  let op: OperatorHandle;

  const get = (kind: string, name: string) => kubectlJson<Obj>(cp, ['get', '-n', NS, kind, name]);

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    upstream = await startEdgeServer();
    p1 = await startTestProxy();
    p2 = await startTestProxy();
    op = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl], concurrent: 4 });
  });

  afterAll(async () => {
    await op?.stop();
    for (const p of [p1, p2]) if (p) await stopTestProxy(p).catch(() => undefined);
    await upstream?.close();
    await cp?.stop();
  });

  it('converges both replicas; kubectl wait --for=condition=Ready returns when the proxy serves the tools', async () => {
    await apply(cp, gatewayDoc(NS, 'edge', upstream.url));
    await apply(cp, serverDoc(NS, 'curated', [{ gateway: 'edge', include: ['echo', 'add'], rename: { add: 'sum' } }]));
    const r = await cp.kubectl(['wait', '-n', NS, '--for=condition=Ready', '--timeout=30s', 'virtualserver/curated', 'mcpgateway/edge']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Ready means served, on every replica.
    for (const p of [p1, p2]) {
      const tools = await p.admin.listServerTools(serverId(NS, 'curated'));
      expect(tools.map((t) => t.name).sort()).toEqual(['edge-echo', 'sum']);
    }
    const vs = await get('virtualserver', 'curated');
    expect(vs.status?.toolCount).toBe(2);
    expect(vs.status?.endpoint).toBe(`/servers/${serverId(NS, 'curated')}/mcp`);
    expect(vs.status?.observedGeneration).toBe(vs.metadata.generation);
    expect(vs.status?.replicas?.map((r) => r.synced)).toEqual([true, true]);
    expect(vs.metadata.finalizers).toContain('mcp-gitops.dev/finalizer');
    const gw = await eventually(async () => {
      const o = await get('mcpgateway', 'edge');
      return condition(o, 'ToolsDiscovered')?.status === 'True' ? o : undefined;
    }, 15_000, 'ToolsDiscovered');
    expect(condition(gw, 'Reachable')?.status).toBe('True');
    expect(gw.status?.toolCount).toBe(8);
    // Every replica got every registration, so each turned ready (it joins its Service converged).
    await eventually(async () => (await p1.admin.getState()).ready && (await p2.admin.getState()).ready, 15_000, 'replicas marked synced');
  });

  it('applies an update to every replica and reports it for the new generation', async () => {
    await apply(cp, serverDoc(NS, 'curated', [{ gateway: 'edge', include: ['echo'] }]));
    await eventually(async () => {
      const tools = await p2.admin.listServerTools(serverId(NS, 'curated'));
      return tools.length === 1 && tools[0]?.name === 'edge-echo';
    }, 15_000, 'update on p2');
    const vs = await eventually(async () => {
      const o = await get('virtualserver', 'curated');
      return o.status?.observedGeneration === o.metadata.generation && o.status?.toolCount === 1 ? o : undefined;
    });
    expect(condition(vs, 'Ready')?.status).toBe('True');
  });

  it('names an unmatched selector and a missing gateway in status', async () => {
    await apply(cp, serverDoc(NS, 'broken', [{ gateway: 'edge', include: ['nope'] }, { gateway: 'absent' }]));
    const vs = await eventually(async () => {
      const o = await get('virtualserver', 'broken');
      return condition(o, 'GatewaysReady')?.status === 'False' ? o : undefined;
    });
    expect(condition(vs, 'GatewaysReady')?.message).toContain('McpGateway absent not found');
    expect(condition(vs, 'Ready')?.status).toBe('False');
    await cp.kubectl(['delete', '-n', NS, 'virtualserver/broken', '--wait=true'], { check: true });
  });

  it('rotating a referenced Secret reaches the proxy', async () => {
    await cp.kubectl(['create', 'secret', 'generic', '-n', NS, 'edge-token', '--from-literal=token=first-token'], { check: true });
    await cp.kubectl(['label', 'secret', '-n', NS, 'edge-token', 'mcp-gitops.dev/allow-reference=true'], { check: true });
    const doc = gatewayDoc(NS, 'edge-bearer', upstream.url, { auth: { type: 'Bearer', bearer: { secretRef: { name: 'edge-token', key: 'token' } } } });
    await apply(cp, doc);
    const parsed = McpGateway.parse(doc);
    const hashWith = (token: string) => desiredGateway(parsed, () => ({ token })).hash;
    const id = gatewayId(NS, 'edge-bearer');
    await eventually(async () => (await p1.admin.getGateway(id))?.specHash === hashWith('first-token'), 15_000, 'first token');
    await cp.kubectl(['create', 'secret', 'generic', '-n', NS, 'edge-token', '--from-literal=token=rotated-token', '--dry-run=client', '-o', 'yaml'], { check: true }).then((r) =>
      cp.kubectl(['apply', '-f', '-'], { input: r.stdout, check: true }),
    );
    await cp.kubectl(['label', '--overwrite', 'secret', '-n', NS, 'edge-token', 'mcp-gitops.dev/allow-reference=true'], { check: true });
    await eventually(async () => (await p1.admin.getGateway(id))?.specHash === hashWith('rotated-token') && (await p2.admin.getGateway(id))?.specHash === hashWith('rotated-token'), 15_000, 'rotated token on both replicas');
    // The token never shows in status or events.
    const all = (await cp.kubectl(['get', '-n', NS, 'mcpgateway/edge-bearer', '-o', 'json'], { check: true })).stdout + (await cp.kubectl(['get', '-n', NS, 'events', '-o', 'json'], { check: true })).stdout;
    expect(all).not.toContain('rotated-token');
    expect(all).not.toContain('first-token');
  });

  it('serves /metrics (reconciles, errors, durations, queue depth, writes) and /healthz, /readyz; no secret in them', async () => {
    const metrics = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_gitops_operator_reconcile_total\{kind="McpGateway",result="success"\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_gitops_operator_reconcile_duration_seconds_count\{kind="VirtualServer"\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_gitops_operator_workqueue_depth\{kind="all"\} \d+/m);
    expect(metrics).toMatch(/^mcp_gitops_operator_proxy_writes_total\{verb="PUT",resource="gateway"\} [1-9]/m);
    expect(metrics).toMatch(/^mcp_gitops_operator_status_writes_total\{kind="McpGateway"\} [1-9]/m);
    expect(metrics).not.toContain('rotated-token');
    expect((await fetch(`${op.probesUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${op.probesUrl}/readyz`)).status).toBe(200);
  });

  it('a missing Secret stalls the gateway with a message naming it', async () => {
    await apply(cp, gatewayDoc(NS, 'no-secret', upstream.url, { auth: { type: 'Bearer', bearer: { secretRef: { name: 'nowhere', key: 'token' } } } }));
    const gw = await eventually(async () => {
      const o = await get('mcpgateway', 'no-secret');
      return condition(o, 'Stalled')?.status === 'True' ? o : undefined;
    });
    expect(condition(gw, 'Stalled')).toMatchObject({ reason: 'SecretNotFound', message: 'spec.auth.bearer.secretRef: Secret mcp/nowhere not found, or not labelled mcp-gitops.dev/allow-reference: "true" (only Secrets that opt in can be referenced)' });
    // Creating the Secret (opted in) un-stalls it without touching the gateway.
    await cp.kubectl(['create', 'secret', 'generic', '-n', NS, 'nowhere', '--from-literal=token=t'], { check: true });
    await cp.kubectl(['label', 'secret', '-n', NS, 'nowhere', 'mcp-gitops.dev/allow-reference=true'], { check: true });
    await eventually(async () => condition(await get('mcpgateway', 'no-secret'), 'Ready')?.status === 'True', 15_000, 'Ready after the Secret appeared');
  });

  it('a proxy that goes down gives Ready=False with a reason; once back it is re-converged with no change to resources', async () => {
    const before = await get('mcpgateway', 'edge');
    const port = p2.adminPort;
    await stopTestProxy(p2);
    const down = await eventually(async () => {
      const o = await get('mcpgateway', 'edge');
      return condition(o, 'Ready')?.status === 'False' ? o : undefined;
    }, 20_000, 'Ready=False while p2 is down');
    expect(condition(down, 'Ready')?.reason).toBe('ReplicasNotSynced');
    expect(condition(down, 'Ready')?.message).toContain(`http://127.0.0.1:${port}`);
    // Restarted empty at the same address: the operator notices and re-registers everything.
    p2 = await startTestProxy(port);
    await eventually(async () => {
      const s = await p2.admin.getState();
      return s.gateways[gatewayId(NS, 'edge')] && s.servers[serverId(NS, 'curated')] && s.ready;
    }, 20_000, 'p2 re-converged');
    await eventually(async () => condition(await get('mcpgateway', 'edge'), 'Ready')?.status === 'True', 20_000, 'Ready again');
    expect((await get('mcpgateway', 'edge')).metadata.generation).toBe(before.metadata.generation);
  });

  it('a broken watch (dropped connection, then 410 Gone) misses no change', async () => {
    const before = op.watchStats();
    op.breakWatches();
    await apply(cp, gatewayDoc(NS, 'after-drop', upstream.url));
    await eventually(async () => (await p1.admin.getGateway(gatewayId(NS, 'after-drop'))) !== undefined, 15_000, 'change after a dropped watch');
    op.breakWatches('1'); // resume from a resourceVersion long compacted away → 410 → relist
    await cp.kubectl(['delete', '-n', NS, 'mcpgateway/after-drop', '--wait=true'], { check: true });
    await apply(cp, gatewayDoc(NS, 'after-gone', upstream.url));
    await eventually(async () => (await p1.admin.getGateway(gatewayId(NS, 'after-gone'))) !== undefined && (await p1.admin.getGateway(gatewayId(NS, 'after-drop'))) === undefined, 15_000, 'changes after a 410');
    const after = op.watchStats();
    expect(after.gateways!.gone).toBeGreaterThan(before.gateways!.gone);
    expect(after.gateways!.lists).toBeGreaterThan(before.gateways!.lists);
  });

  it('server-everything as the upstream: served through a VirtualServer; its outage shows as Unreachable, then recovers', { timeout: 90_000 }, async () => {
    const everything = await startEverything();
    let again: Everything | undefined;
    try {
      await apply(cp, gatewayDoc(NS, 'everything', everything.url, { healthCheck: { intervalSeconds: 5, timeoutSeconds: 2 } }));
      await apply(cp, serverDoc(NS, 'demo', [{ gateway: 'everything', include: ['echo', 'get-sum'], rename: { 'get-sum': 'add' } }]));
      const r = await cp.kubectl(['wait', '-n', NS, '--for=condition=Ready', '--timeout=60s', 'virtualserver/demo']);
      expect(r.stderr).toBe('');
      const tools = await p1.admin.listServerTools(serverId(NS, 'demo'));
      expect(tools.map((t) => t.name).sort()).toEqual(['add', 'everything-echo']);
      await everything.kill();
      const down = await eventually(async () => {
        const o = await get('mcpgateway', 'everything');
        return condition(o, 'Ready')?.status === 'False' ? o : undefined;
      }, 40_000, 'Ready=False while the upstream is down');
      expect(condition(down, 'Ready')?.reason).toBe('Unreachable');
      expect(condition(down, 'Reachable')?.status).toBe('False');
      again = await startEverything({ port: everything.port });
      await eventually(async () => condition(await get('mcpgateway', 'everything'), 'Ready')?.status === 'True', 40_000, 'Ready again after the upstream returned');
    } finally {
      await cp.kubectl(['delete', '-n', NS, 'virtualserver/demo', 'mcpgateway/everything', '--wait=true'], { check: true });
      await again?.kill();
      await everything.kill().catch(() => undefined);
    }
  });

  it('the reflector survives silent stalls (watchdog) and handlers that throw', async () => {
    const seen: string[] = [];
    const reflector = new Reflector<RawResource>({
      client: await KubeClient.connect(cp.kubeconfigPath),
      path: collectionPath('McpGateway', NS),
      stallTimeoutMs: 300, // far below the bookmark interval: every quiet watch "stalls"
      onChange: (type, obj) => {
        seen.push(`${type} ${obj.metadata.name}`);
        throw new Error('a handler bug');
      },
    });
    await reflector.start();
    try {
      await eventually(() => reflector.stats.stalls >= 2, 10_000, 'two watchdog reconnects');
      await apply(cp, gatewayDoc(NS, 'after-stall', upstream.url));
      await eventually(() => seen.includes('ADDED after-stall'), 10_000, 'the change after stalls');
      await cp.kubectl(['delete', '-n', NS, 'mcpgateway/after-stall', '--wait=true'], { check: true });
      await eventually(() => seen.includes('DELETED after-stall'), 10_000, 'the deletion');
    } finally {
      await reflector.stop();
    }
  });

  it('deleting removes the registration from every replica before the resource goes', async () => {
    await cp.kubectl(['delete', '-n', NS, 'virtualserver/curated', 'mcpgateway/after-gone', '--wait=true', '--timeout=30s'], { check: true });
    for (const p of [p1, p2]) {
      expect(await p.admin.getServer(serverId(NS, 'curated'))).toBeUndefined();
      expect(await p.admin.getGateway(gatewayId(NS, 'after-gone'))).toBeUndefined();
    }
  });

  it('a resource whose proxy is gone still deletes, with a Warning naming what was left behind', async () => {
    await apply(cp, gatewayDoc(NS, 'orphan', upstream.url));
    await eventually(async () => (await p2.admin.getGateway(gatewayId(NS, 'orphan'))) !== undefined, 15_000, 'orphan registered');
    const port = p2.adminPort;
    await stopTestProxy(p2);
    await cp.kubectl(['delete', '-n', NS, 'mcpgateway/orphan', '--wait=true', '--timeout=60s'], { check: true });
    const events = await kubectlJson<{ items: { reason: string; type: string; message: string; involvedObject: { name: string } }[] }>(cp, ['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=orphan']);
    const left = events.items.find((e) => e.reason === 'RegistrationLeftBehind');
    expect(left?.type).toBe('Warning');
    expect(left?.message).toContain(`http://127.0.0.1:${port}`);
    expect(await p1.admin.getGateway(gatewayId(NS, 'orphan'))).toBeUndefined();
    // When the replica comes back (here: restarted, so empty) it converges without the orphan.
    p2 = await startTestProxy(port);
    await eventually(async () => (await p2.admin.getState()).ready, 20_000, 'p2 ready again');
  });

  it('an operator restart with nothing changed writes nothing to the proxies or to status', async () => {
    await eventually(async () => (await p1.admin.getState()).ready && (await p2.admin.getState()).ready, 20_000, 'all converged');
    await op.idle();
    await op.stop();
    const rvs = async () => (await kubectlJson<{ items: { metadata: { name: string; resourceVersion: string } }[] }>(cp, ['get', '-n', NS, 'mcpgateways,virtualservers'])).items.map((i) => `${i.metadata.name}@${i.metadata.resourceVersion}`).sort();
    const before = await rvs();
    const [s1, s2] = [await p1.admin.getState(), await p2.admin.getState()];
    op = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl] });
    // Let it reconcile everything and poll the replicas a few times.
    await op.idle();
    await new Promise((r) => setTimeout(r, 3_000));
    await op.idle();
    expect(op.writes()).toMatchObject({ proxy: 0, status: 0 });
    expect(await rvs()).toEqual(before);
    expect((await p1.admin.getState()).digest).toBe(s1.digest);
    expect((await p2.admin.getState()).digest).toBe(s2.digest);
  });

  it('leader election: of two operators one acts; the other takes over when it stops', { timeout: 90_000 }, async () => {
    await op.stop();
    const a = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl], leaderElect: true, leaderElectionNamespace: 'default' });
    await eventually(() => a.isLeader, 20_000, 'a leads');
    const b = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl], leaderElect: true, leaderElectionNamespace: 'default' });
    try {
      await new Promise((r) => setTimeout(r, 2_500));
      expect(b.isLeader).toBe(false);
      await a.stop();
      await eventually(() => b.isLeader, 20_000, 'b takes over');
      // The new leader acts.
      await apply(cp, gatewayDoc(NS, 'under-b', upstream.url));
      await eventually(async () => (await p1.admin.getGateway(gatewayId(NS, 'under-b'))) !== undefined, 15_000, 'b reconciles');
    } finally {
      await b.stop();
      op = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl] });
    }
  });

  it('leader election: when the leader dies without releasing the Lease, the standby takes over once it expires', { timeout: 60_000 }, async () => {
    await op.stop();
    const le = { leaderElect: true, leaderElectionNamespace: 'default', leaderElectionId: 'crash-test', leaderElectLeaseDuration: 3, leaderElectRenewDeadline: 2, leaderElectRetryPeriod: 0.5 };
    const holder = async () => (await kubectlJson<{ spec: { holderIdentity?: string } }>(cp, ['get', 'lease', '-n', 'default', 'crash-test'])).spec.holderIdentity;
    const a = await startOperatorProcess(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl], ...le });
    let b: OperatorHandle | undefined;
    try {
      const first = await eventually(holder, 20_000, 'the child process leads');
      b = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl], ...le });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(b.isLeader).toBe(false);
      await a.kill(); // like a crashed pod: no release
      await eventually(() => b!.isLeader, 20_000, 'the standby takes over');
      expect(await holder()).not.toBe(first);
      await apply(cp, gatewayDoc(NS, 'after-crash', upstream.url));
      await eventually(async () => (await p1.admin.getGateway(gatewayId(NS, 'after-crash'))) !== undefined, 15_000, 'the new leader acts');
    } finally {
      await a.kill();
      await b?.stop();
      op = await startTestOperator(cp, { proxyUrl: [p1.adminUrl, p2.adminUrl] });
    }
  });

  it('finds replicas through the proxy Service\'s EndpointSlices; a new replica is converged before it turns ready', { timeout: 60_000 }, async () => {
    await op.stop();
    const slice = (name: string, port: number) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': 'proxy' } },
      // The API server refuses loopback IPs in EndpointSlices; an FQDN slice under .localhost
      // (RFC 6761: always loopback) reaches a proxy on this host.
      addressType: 'FQDN',
      endpoints: [{ addresses: [`${name}.localhost`], conditions: { ready: false } }],
      ports: [{ name: 'admin', port, protocol: 'TCP' }],
    });
    await apply(cp, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'proxy', namespace: NS }, spec: { ports: [{ name: 'admin', port: 4445 }] } });
    await apply(cp, slice('proxy-1', p1.adminPort));
    op = await startTestOperator(cp, { proxyService: `${NS}/proxy` });
    await apply(cp, gatewayDoc(NS, 'via-slices', upstream.url));
    await eventually(async () => (await p1.admin.getGateway(gatewayId(NS, 'via-slices')))?.reachable, 20_000, 'registered on the slice endpoint');
    // A new replica appears in the Service: it gets everything, then is told it is synced.
    const p3 = await startTestProxy();
    try {
      expect((await p3.admin.getState()).ready).toBe(false);
      await apply(cp, slice('proxy-3', p3.adminPort));
      await eventually(async () => (await p3.admin.getState()).ready, 20_000, 'p3 converged and ready');
      expect((await p3.admin.getState()).digest).toBe((await p1.admin.getState()).digest);
      const gw = await eventually(async () => {
        const o = await get('mcpgateway', 'via-slices');
        return o.status?.replicas?.length === 2 ? o : undefined;
      }, 20_000, 'status lists both replicas');
      expect(gw.status?.replicas?.map((r) => r.endpoint)).toEqual([`http://proxy-1.localhost:${p1.adminPort}`, `http://proxy-3.localhost:${p3.adminPort}`]);
    } finally {
      await cp.kubectl(['delete', '-n', NS, 'endpointslice/proxy-3'], { check: true });
      await stopTestProxy(p3);
    }
  });
});
