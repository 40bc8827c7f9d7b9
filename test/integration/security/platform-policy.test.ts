// Attacker test for issue 11 finding 5 (MEDIUM, several tenants in one cluster), network reach:
// `allowPrivateNetwork` and plain `http` were the gateway author's choice. A tenant could point the
// proxy at the cluster's private network (it also opens loopback and private OAuth endpoints), or
// have per-user OAuth tokens sent over plain http. Now the platform says which namespaces may, with
// the operator's flags; a gateway elsewhere is Ready=False PolicyDenied naming the field and the
// flag, and no proxy holds it. Real kube-apiserver, real operator, real proxy, a real MCP upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { apply, condition, eventually, gatewayDoc, kubectlJson, startCluster, startTestOperator, startTestProxy, stopTestProxy, type Cond, type TestProxy } from '../operator/harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('platform-policy.test.ts skipped: no test control plane (docs/test-control-plane.md)');

/** The platform's own namespace, allowed both; the tenant's, allowed neither. */
const PLATFORM = 'platform';
const TENANT = 'team-b';
const POLICY = { allowPrivateNetworkNamespace: [PLATFORM], allowPlainHttpNamespace: [PLATFORM] };

type Gateway = { status?: { conditions?: Cond[] } };

describe.skipIf(!available)('attacker: a tenant opens private networks and plain http from its own McpGateway', () => {
  let cp: ControlPlane;
  let proxy: TestProxy;
  let op: OperatorHandle | undefined;
  let upstream: EdgeServer;

  const get = (ns: string, name: string) => kubectlJson<Gateway>(cp, ['get', '-n', ns, 'mcpgateway', name]);
  const denied = (ns: string, name: string) =>
    eventually(async () => {
      const o = await get(ns, name);
      return condition(o, 'Ready')?.reason === 'PolicyDenied' ? o : undefined;
    }, 20_000, `${ns}/${name} PolicyDenied`);

  beforeAll(async () => {
    cp = await startCluster();
    for (const ns of [PLATFORM, TENANT]) await cp.kubectl(['create', 'namespace', ns], { check: true });
    upstream = await startEdgeServer();
    proxy = await startTestProxy();
    op = await startTestOperator(cp, { proxyUrl: [proxy.adminUrl], concurrent: 2, ...POLICY });
  }, 120_000);
  afterAll(async () => {
    await op?.stop();
    if (proxy) await stopTestProxy(proxy);
    await upstream?.close();
    await cp?.stop();
  });

  it('the control: a namespace the platform lists reaches its private http upstream', async () => {
    await apply(cp, gatewayDoc(PLATFORM, 'internal', upstream.url));
    await eventually(async () => condition(await get(PLATFORM, 'internal'), 'Ready')?.status === 'True', 30_000, 'platform/internal Ready');
    expect(await proxy.admin.getGateway(gatewayId(PLATFORM, 'internal'))).toBeDefined();
  });

  it('spec.allowPrivateNetwork in a namespace the platform does not list: PolicyDenied naming the field and the flag; no proxy holds it', async () => {
    await apply(cp, gatewayDoc(TENANT, 'reach-in', upstream.url));
    const gw = await denied(TENANT, 'reach-in');
    expect(condition(gw, 'Ready')).toMatchObject({ status: 'False', message: expect.stringMatching(/^spec\.allowPrivateNetwork: namespace team-b .*--allow-private-network-namespace \(now: platform\)/) });
    expect(condition(gw, 'Stalled')).toMatchObject({ status: 'True', reason: 'PolicyDenied' });
    expect(await proxy.admin.getGateway(gatewayId(TENANT, 'reach-in'))).toBeUndefined();
    const events = await kubectlJson<{ items: { type: string; reason: string; message: string }[] }>(cp, ['get', '-n', TENANT, 'events', '--field-selector', 'involvedObject.name=reach-in']);
    expect(events.items).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'PolicyDenied' }));
  });

  it('a plain http upstream (which would carry per-user tokens in clear): PolicyDenied naming spec.url', async () => {
    await apply(cp, gatewayDoc(TENANT, 'cleartext', 'http://mcp.example.com/mcp', { allowPrivateNetwork: false }));
    const gw = await denied(TENANT, 'cleartext');
    expect(condition(gw, 'Ready')?.message).toMatch(/^spec\.url: must be https in namespace team-b: .*--allow-plain-http-namespace/);
    expect(await proxy.admin.getGateway(gatewayId(TENANT, 'cleartext'))).toBeUndefined();
  });

  it('an OAuth gateway with a plain http token endpoint: PolicyDenied naming spec.auth.oauth.tokenUrl', async () => {
    const oauth = { type: 'OAuth', oauth: { grantType: 'AuthorizationCode', clientId: 'c', authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'http://auth.example.com/token' } };
    await apply(cp, gatewayDoc(TENANT, 'oauth-cleartext', 'https://mcp.example.com/mcp', { allowPrivateNetwork: false, auth: oauth }));
    const gw = await denied(TENANT, 'oauth-cleartext');
    expect(condition(gw, 'Ready')?.message).toMatch(/^spec\.auth\.oauth\.tokenUrl: must be https: .*--allow-plain-http-namespace/);
    expect(await proxy.admin.getGateway(gatewayId(TENANT, 'oauth-cleartext'))).toBeUndefined();
  });

  it('the platform tightens the policy: the gateway it no longer allows is taken off the proxy, not left serving', async () => {
    await op!.stop();
    op = undefined;
    expect(await proxy.admin.getGateway(gatewayId(PLATFORM, 'internal'))).toBeDefined();
    op = await startTestOperator(cp, { proxyUrl: [proxy.adminUrl], concurrent: 2, allowPrivateNetworkNamespace: [], allowPlainHttpNamespace: [PLATFORM] });
    await denied(PLATFORM, 'internal');
    await eventually(async () => (await proxy.admin.getGateway(gatewayId(PLATFORM, 'internal'))) === undefined, 20_000, 'platform/internal removed from the proxy');
  });
});
