/**
 * The Argo CD health check on what the operator really writes: a real kube-apiserver, two real
 * proxies, a real upstream MCP server and the real operator drive McpGateways and VirtualServers
 * into each state, and health.lua (real Lua, Argo CD's sandbox) reads the live objects.
 *
 * With RECORD_ARGOCD_FIXTURES=1 the live objects are also written to
 * test/fixtures/argocd/testdata/recorded/ for the unit test (test/unit/argocd/health.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { apply, eventually, gatewayDoc, kubectlJson, serverDoc, startCluster, startTestOperator, startTestProxy, stopTestProxy, type TestProxy } from '../operator/harness.ts';
import { luaAvailable, runHealthScript, type HealthStatus } from '../../unit/argocd/lua-runner.ts';
import { HEALTH_LUA } from '../../unit/argocd/render-argocd-cm-patch.ts';

const NS = 'mcp';
const RECORD = process.env.RECORD_ARGOCD_FIXTURES === '1';
const RECORDED = fileURLToPath(new URL('../../fixtures/argocd/testdata/recorded/', import.meta.url));
const available = controlPlaneAvailable() && luaAvailable();

type Live = { kind: string; metadata: Record<string, unknown> & { generation?: number }; status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string; reason: string }> } };

/** The object as a fixture: what Argo CD's `obj` holds, minus server bookkeeping that varies per run. */
function asFixture(o: Live): Live {
  const { managedFields: _m, uid: _u, resourceVersion: _r, creationTimestamp: _c, ...metadata } = o.metadata;
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations) {
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  return { ...o, metadata };
}

describe.skipIf(!available)('Argo CD health of live objects written by the operator', () => {
  let cp: ControlPlane;
  let upstream: EdgeServer;
  let proxies: TestProxy[] = [];
  let op: OperatorHandle | undefined;
  let closedPort: number;

  const get = (kind: string, name: string) => kubectlJson<Live>(cp, ['get', '-n', NS, kind, name]);
  const cond = (o: Live, type: string) => o.status?.conditions?.find((c) => c.type === type);

  /** Waits until the live object satisfies `ready`, then checks (and optionally records) its health. */
  async function healthOf(kind: string, name: string, settled: (o: Live) => boolean, fixture: string): Promise<HealthStatus> {
    const live = await eventually(async () => {
      const o = await get(kind, name);
      return settled(o) ? o : undefined;
    }, 20_000, `${kind}/${name} to settle`);
    const obj = asFixture(live);
    if (RECORD) {
      mkdirSync(RECORDED, { recursive: true });
      writeFileSync(`${RECORDED}${fixture}.yaml`, `# Recorded from a live run: test/integration/install/argocd-health.test.ts\n${stringify(obj)}`);
    }
    return runHealthScript(HEALTH_LUA, obj);
  }

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    upstream = await startEdgeServer();
    proxies = [await startTestProxy(), await startTestProxy()];
    // A port nothing listens on: a stopped proxy's admin port, kept for the unreachable upstream.
    const spare = await startTestProxy();
    closedPort = spare.adminPort;
    await stopTestProxy(spare);
    op = await startTestOperator(cp, { proxyUrl: proxies.map((p) => p.adminUrl), proxyPublicUrl: 'https://mcp.example.com', concurrent: 4 });
  });

  afterAll(async () => {
    await op?.stop();
    for (const p of proxies) await stopTestProxy(p).catch(() => undefined);
    await upstream?.close();
    await cp?.stop();
  });

  it('a reachable gateway and a virtual server over it are Healthy', async () => {
    await apply(cp, gatewayDoc(NS, 'edge', upstream.url));
    await apply(cp, serverDoc(NS, 'curated', [{ gateway: 'edge', include: ['echo', 'add'], rename: { add: 'sum' } }]));
    const gw = await healthOf('mcpgateway', 'edge', (o) => cond(o, 'Ready')?.status === 'True' && cond(o, 'ToolsDiscovered')?.status === 'True', 'mcpgateway-ready');
    expect(gw.status).toBe('Healthy');
    expect(gw.message).toMatch(/tools? served by every ready proxy replica/);
    const vs = await healthOf('virtualserver', 'curated', (o) => cond(o, 'Ready')?.status === 'True', 'virtualserver-ready');
    expect(vs).toEqual({ status: 'Healthy', message: expect.stringContaining('https://mcp.example.com/servers/') });
  });

  it('an OAuth gateway no user has consented to yet is Healthy (served, waiting for the first consent)', async () => {
    await apply(
      cp,
      gatewayDoc(NS, 'consent', upstream.url, {
        auth: {
          type: 'OAuth',
          oauth: { discovery: 'Static', authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/oauth/token', clientId: 'client', audience: 'api.example.com' },
        },
      }),
    );
    const h = await healthOf('mcpgateway', 'consent', (o) => cond(o, 'Ready')?.status === 'True' && cond(o, 'Authorized')?.reason === 'ConsentRequired', 'mcpgateway-consent-required');
    expect(h.status).toBe('Healthy');
  });

  it('an unreachable upstream is Progressing (the proxy retries), and so is a virtual server waiting for it', async () => {
    await apply(cp, gatewayDoc(NS, 'down', `http://127.0.0.1:${closedPort}/mcp`));
    await apply(cp, serverDoc(NS, 'waits', [{ gateway: 'down' }]));
    const gw = await healthOf('mcpgateway', 'down', (o) => cond(o, 'Ready')?.reason === 'Unreachable', 'mcpgateway-unreachable');
    expect(gw).toEqual({ status: 'Progressing', message: expect.stringMatching(/^Unreachable: /) });
    const vs = await healthOf('virtualserver', 'waits', (o) => cond(o, 'Ready')?.reason === 'GatewayNotReady', 'virtualserver-gateway-not-ready');
    expect(vs).toEqual({ status: 'Progressing', message: expect.stringMatching(/^GatewayNotReady: down: /) });
  });

  it('a missing Secret stalls the gateway: Degraded, naming the Secret', async () => {
    await apply(cp, gatewayDoc(NS, 'no-secret', upstream.url, { auth: { type: 'Bearer', bearer: { secretRef: { name: 'nowhere', key: 'token' } } } }));
    const h = await healthOf('mcpgateway', 'no-secret', (o) => cond(o, 'Stalled')?.status === 'True', 'mcpgateway-stalled-secret-not-found');
    expect(h).toEqual({ status: 'Degraded', message: expect.stringMatching(/^SecretNotFound: .*nowhere/) });
  });

  it('selectors that match nothing, a missing gateway and a name conflict are Degraded', async () => {
    await apply(cp, serverDoc(NS, 'unmatched', [{ gateway: 'edge', include: ['nope'] }]));
    const unmatched = await healthOf('virtualserver', 'unmatched', (o) => cond(o, 'Ready')?.reason === 'SelectorsUnmatched', 'virtualserver-selectors-unmatched');
    expect(unmatched).toEqual({ status: 'Degraded', message: expect.stringContaining('nope') });

    await apply(cp, serverDoc(NS, 'orphan', [{ gateway: 'absent' }]));
    const orphan = await healthOf('virtualserver', 'orphan', (o) => cond(o, 'Ready')?.reason === 'GatewayNotFound', 'virtualserver-gateway-not-found');
    expect(orphan).toEqual({ status: 'Degraded', message: expect.stringContaining('absent') });

    await apply(cp, gatewayDoc(NS, 'edge-twin', upstream.url));
    await apply(cp, serverDoc(NS, 'clash', [{ gateway: 'edge', include: ['echo'] }, { gateway: 'edge-twin', include: ['echo'] }], { naming: 'Plain' }));
    const clash = await healthOf('virtualserver', 'clash', (o) => cond(o, 'Ready')?.reason === 'NameConflict', 'virtualserver-name-conflict');
    expect(clash).toEqual({ status: 'Degraded', message: expect.stringContaining('echo') });
  });

  it('a change the operator has not observed yet, and a resource it has never seen, are Progressing', async () => {
    await op?.stop();
    op = undefined;
    await apply(cp, gatewayDoc(NS, 'edge', upstream.url, { description: 'changed while the operator is down' }));
    const lag = await healthOf('mcpgateway', 'edge', (o) => (o.status?.observedGeneration ?? 0) < (o.metadata.generation ?? 0), 'mcpgateway-generation-lag');
    expect(lag).toEqual({ status: 'Progressing', message: 'Waiting for the operator to observe generation 2' });
    await apply(cp, serverDoc(NS, 'fresh', [{ gateway: 'edge' }]));
    const fresh = await healthOf('virtualserver', 'fresh', (o) => o.status === undefined, 'virtualserver-no-status');
    expect(fresh).toEqual({ status: 'Progressing', message: 'Waiting for the operator to report status' });
  });
});
