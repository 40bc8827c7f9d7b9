/**
 * The install, against the real kube-apiserver of the test control plane: manifests/ and the examples
 * pass a server-side dry run (CRDs first), the pods are admitted under enforced restricted Pod
 * Security, the RBAC gives the operator and the proxy exactly what they need, and the proxy's token
 * vault works under its own service account and nowhere else.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../../src/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { EncryptedTokenVault, Keyring, loadKeyringSecret, SecretRecordStore } from '../../../src/vault/index.ts';
import { gatewayId } from '../../../src/api/ids.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { eventually, startTestOperator } from '../operator/harness.ts';
import { expandedArgs } from './deployment-args.ts';
import { startProxyProcess, type ProxyProcess } from './proxy-process.ts';
import {
  ARGOCD_CM_PATCH,
  ARGOCD_EXAMPLE,
  ATLASSIAN_EXAMPLE,
  DEV_HS256_EXAMPLE,
  EGRESS_EXAMPLE,
  deployment,
  isClusterFoundation,
  MANIFESTS,
  parseObjects,
  podFromTemplate,
  REPO,
  SYSTEM_NAMESPACE,
  toYamlStream,
  type KubeObject,
} from './rendered.ts';
import {
  canIArgs,
  OPERATOR_ALLOWED,
  OPERATOR_DENIED,
  OPERATOR_SA,
  PROXY_ALLOWED,
  PROXY_DENIED,
  PROXY_SA,
} from './rbac-expectations.ts';

const available = controlPlaneAvailable();
if (!available) {
  console.warn(
    'SKIP install tests: the test control plane is not built. Build it once with\n' +
      '  export KUBEBUILDER_ASSETS="$(hack/build-control-plane.sh | tail -n1)"',
  );
}

/** Fails with kubectl's stderr; passes through stdout. Server warnings (PodSecurity, deprecations) fail too. */
async function kubectlOk(cp: ControlPlane, args: string[], input?: string, opts: { kubeconfig?: string } = {}): Promise<string> {
  const r = await cp.kubectl(args, { input, ...opts });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stderr}`).toBe(0);
  expect(r.stderr.trim(), `kubectl ${args.join(' ')} printed warnings`).toBe('');
  return r.stdout;
}

/** Polls `check` until it holds (the RBAC authorizer sees new bindings a moment after they are stored). */
async function until(what: string, check: () => Promise<boolean>, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`still not true after ${attempts} attempts: ${what}`);
}

describe.skipIf(!available)('install on a real API server', () => {
  let cp: ControlPlane;
  let objects: KubeObject[];

  beforeAll(async () => {
    cp = await startControlPlane();
    objects = parseObjects(await kubectlOk(cp, ['kustomize', MANIFESTS]));
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('creates the namespace and the CRDs first, and the CRDs become Established', async () => {
    const foundation = objects.filter(isClusterFoundation);
    expect(foundation.map((o) => o.kind).sort()).toEqual(['CustomResourceDefinition', 'CustomResourceDefinition', 'Namespace']);
    await kubectlOk(cp, ['apply', '--dry-run=server', '-f', '-'], toYamlStream(foundation));
    await kubectlOk(cp, ['apply', '-f', '-'], toYamlStream(foundation));
    await kubectlOk(cp, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/mcpgateways.mcp-gitops.dev', 'crd/virtualservers.mcp-gitops.dev']);
  });

  it('passes a server-side dry run of every manifest, without warnings', async () => {
    const out = await kubectlOk(cp, ['apply', '--dry-run=server', '-f', '-'], toYamlStream(objects));
    expect(out.trim().split('\n')).toHaveLength(objects.length);
  });

  it('runs both Deployments’ pods under enforced restricted Pod Security', async () => {
    const ns = parseObjects(await kubectlOk(cp, ['get', 'namespace', SYSTEM_NAMESPACE, '-o', 'yaml']))[0];
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const name of ['mcp-gitops-operator', 'mcp-gitops-proxy']) {
      const pod = podFromTemplate(deployment(objects, name), `${name}-test`);
      await kubectlOk(cp, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    }
    // The control: the namespace really enforces it (a pod without the security settings is refused).
    const loose = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose', namespace: SYSTEM_NAMESPACE }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const r = await cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(loose) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  it('installs for real with the documented command: kubectl apply -k manifests/', async () => {
    await kubectlOk(cp, ['apply', '-k', MANIFESTS]);
    const got = await kubectlOk(cp, ['get', 'deployment,service,pdb,networkpolicy,serviceaccount', '-n', SYSTEM_NAMESPACE, '-o', 'name']);
    expect(got.trim().split('\n').sort()).toEqual(
      [
        'deployment.apps/mcp-gitops-operator',
        'deployment.apps/mcp-gitops-proxy',
        'networkpolicy.networking.k8s.io/mcp-gitops-proxy',
        'poddisruptionbudget.policy/mcp-gitops-operator',
        'poddisruptionbudget.policy/mcp-gitops-proxy',
        'service/mcp-gitops-proxy',
        'serviceaccount/mcp-gitops-operator',
        'serviceaccount/mcp-gitops-proxy',
      ].sort(),
    );
    for (const [user, q] of [[OPERATOR_SA, OPERATOR_ALLOWED[0]], [PROXY_SA, PROXY_ALLOWED[0]]] as const) {
      await until(`${user} ${q?.join(' ')}`, async () => (await cp.kubectl(canIArgs(user, q!))).stdout.trim() === 'yes');
    }
  });

  it('creates every Secret the Deployments reference with `mcp-gitops keys | kubectl create -f -`', async () => {
    const keys = execFileSync(process.execPath, [`${REPO}src/cli.ts`, 'keys'], { encoding: 'utf8' });
    const generated = parseObjects(keys);
    await kubectlOk(cp, ['create', '-f', '-'], keys);
    const referenced = new Set<string>();
    for (const name of ['mcp-gitops-operator', 'mcp-gitops-proxy']) {
      const spec = deployment(objects, name).spec.template.spec;
      for (const v of spec.volumes ?? []) if (v.secret) referenced.add(v.secret.secretName);
      // The secret vault reads its keyring from Secret mcp-gitops-vault-key unless told otherwise
      // (src/vault/open-vault.ts).
      const args = spec.containers.flatMap((c) => c.args ?? []);
      if (args.includes('--vault=secret') && !args.some((a) => a.startsWith('--vault-key-file'))) referenced.add('mcp-gitops-vault-key');
    }
    expect([...referenced].sort()).toEqual(generated.map((s) => s.metadata.name).sort());
    expect(generated.every((s) => s.metadata.namespace === SYSTEM_NAMESPACE)).toBe(true);
  });

  describe('RBAC', () => {
    const ask = async (user: string, q: readonly [string, string, string]) => (await cp.kubectl(canIArgs(user, q))).stdout.trim();

    it('lets the operator do everything it needs', async () => {
      const answers = await Promise.all(OPERATOR_ALLOWED.map(async (q) => [q.join(' '), await ask(OPERATOR_SA, q)]));
      expect(answers.filter(([, a]) => a !== 'yes')).toEqual([]);
    });

    it('refuses the operator everything else (no Secret writes, no spec creation, nothing outside its namespace)', async () => {
      const answers = await Promise.all(OPERATOR_DENIED.map(async (q) => [q.join(' '), await ask(OPERATOR_SA, q)]));
      expect(answers.filter(([, a]) => a !== 'no')).toEqual([]);
    });

    it('lets the proxy manage Secrets in its own namespace', async () => {
      const answers = await Promise.all(PROXY_ALLOWED.map(async (q) => [q.join(' '), await ask(PROXY_SA, q)]));
      expect(answers.filter(([, a]) => a !== 'yes')).toEqual([]);
    });

    it('refuses the proxy Secrets outside its namespace and everything cluster-wide', async () => {
      const answers = await Promise.all(PROXY_DENIED.map(async (q) => [q.join(' '), await ask(PROXY_SA, q)]));
      expect(answers.filter(([, a]) => a !== 'no')).toEqual([]);
    });

    it('the proxy’s token vault works under its service account, and only in its namespace', async () => {
      const kubeconfig = await cp.userKubeconfig(PROXY_SA, ['system:serviceaccounts', `system:serviceaccounts:${SYSTEM_NAMESPACE}`]);
      const core = await KubeClient.connect(kubeconfig);

      // The keyring Secret created by `mcp-gitops keys` above, read as the proxy reads it.
      const keyring = await loadKeyringSecret(core, SYSTEM_NAMESPACE, 'mcp-gitops-vault-key');
      const vault = new EncryptedTokenVault({ store: new SecretRecordStore({ kube: core, secretNamespace: SYSTEM_NAMESPACE }), keyring });
      const ref = { namespace: 'mcp', gatewayId: '0123456789abcdef0123456789abcdef', user: 'alice@example.com' };
      await vault.put(ref, { accessToken: 'at-1', refreshToken: 'rt-1', obtainedAt: Date.now() });
      expect((await vault.get(ref))?.tokens.accessToken).toBe('at-1');
      expect(await vault.countAuthorized('mcp', ref.gatewayId)).toBe(1);
      expect(await vault.delete(ref)).toBe(true);

      // The same vault pointed at another namespace is refused by the API server.
      await kubectlOk(cp, ['create', 'namespace', 'elsewhere']);
      const elsewhere = new EncryptedTokenVault({ store: new SecretRecordStore({ kube: core, secretNamespace: 'elsewhere' }), keyring: Keyring.generate() });
      await expect(elsewhere.put(ref, { accessToken: 'at-2', obtainedAt: Date.now() })).rejects.toThrow(/elsewhere/);
      const denied = await cp.kubectl(['get', 'secrets', '-n', 'kube-system'], { kubeconfig });
      expect(denied.stderr).toMatch(/forbidden/);
    });
  });

  describe('the operator and the proxy, started as the Deployments start them, under their own service accounts', () => {
    const NS = 'team-a';
    let upstream: EdgeServer;
    let proxy: ProxyProcess | undefined;
    let op: OperatorHandle | undefined;
    let adminToken: string;
    let mounts: string;
    let readyBeforeOperator: number;
    /** The proxy replica's EndpointSlice, as the EndpointSlice controller writes it. */
    const proxySlice = (port: number, ready: boolean) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'mcp-gitops-proxy-test', namespace: SYSTEM_NAMESPACE, labels: { 'kubernetes.io/service-name': 'mcp-gitops-proxy' } },
      addressType: 'FQDN',
      endpoints: [{ addresses: ['proxy-0.localhost'], conditions: { ready } }],
      ports: [{ name: 'admin', port, protocol: 'TCP' }],
    });

    /** A key of a Secret the install references (created by `mcp-gitops keys` above). */
    const secretValue = async (name: string, key: string) =>
      Buffer.from(await kubectlOk(cp, ['get', 'secret', '-n', SYSTEM_NAMESPACE, name, '-o', `jsonpath={.data.${key}}`]), 'base64').toString('utf8');
    const adminGet = async (path: string) => fetch(`${proxy!.adminUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });

    beforeAll(async () => {
      upstream = await startEdgeServer();
      await kubectlOk(cp, ['create', 'namespace', NS]);

      // The proxy: manifests/proxy/deployment.yaml's args, its Secret volumes as files, its service account.
      mounts = mkdtempSync(join(tmpdir(), 'mcp-gitops-mounts-'));
      adminToken = await secretValue('mcp-gitops-admin-token', 'token');
      writeFileSync(join(mounts, 'admin-token'), adminToken, { mode: 0o600 });
      proxy = await startProxyProcess({
        args: expandedArgs('proxy/deployment.yaml').slice(1),
        mounts: { '/etc/mcp-gitops/admin/token': join(mounts, 'admin-token') },
        kubeconfig: await cp.userKubeconfig(PROXY_SA, ['system:serviceaccounts', `system:serviceaccounts:${SYSTEM_NAMESPACE}`]),
        namespace: SYSTEM_NAMESPACE,
      });
      readyBeforeOperator = (await fetch(`${proxy.url}/ready`)).status;

      // The replica as the operator finds it: an EndpointSlice of Service mcp-gitops-proxy. The API
      // server refuses loopback IPs in slices; an FQDN under .localhost (RFC 6761) is loopback.
      // (The API server warns that FQDN slices are deprecated; the warning is expected here.)
      await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(proxySlice(proxy.adminPort, false)), check: true });

      // The operator: in-process, with the options its Deployment's flags give, under its service account.
      op = await startTestOperator(cp, {
        kubeconfig: await cp.userKubeconfig(OPERATOR_SA, ['system:serviceaccounts', `system:serviceaccounts:${SYSTEM_NAMESPACE}`]),
        adminToken,
        leaderElect: true,
        leaderElectionNamespace: SYSTEM_NAMESPACE,
        proxyService: `${SYSTEM_NAMESPACE}/mcp-gitops-proxy`,
        proxyPublicUrl: 'https://mcp.example.com',
        // docs/install.md, "Which namespaces may reach private networks": the platform lists the team
        // (its upstream here is on loopback over http); the Deployment's default lists none.
        allowPrivateNetworkNamespace: [NS],
        allowPlainHttpNamespace: [NS],
      });
    });
    afterAll(async () => {
      await op?.stop();
      await proxy?.stop();
      await upstream?.close();
      if (mounts) rmSync(mounts, { recursive: true, force: true });
    });

    /** What a team commits: a gateway with a Secret reference and a virtual server over it. */
    const teamManifests = () =>
      toYamlStream([
        {
          apiVersion: 'mcp-gitops.dev/v1alpha1',
          kind: 'McpGateway',
          metadata: { name: 'edge', namespace: NS },
          spec: { url: upstream.url, allowPrivateNetwork: true, auth: { type: 'Bearer', bearer: { secretRef: { name: 'edge-token', key: 'token' } } } },
        },
        { apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name: 'tools', namespace: NS }, spec: { tools: [{ gateway: 'edge', include: ['echo'] }] } },
      ]);

    const get = async (kind: string, name: string) =>
      JSON.parse(await kubectlOk(cp, ['get', '-n', NS, kind, name, '-o', 'json'])) as {
        metadata: { finalizers?: string[] };
        status?: { conditions?: Array<{ type: string; status: string; reason: string }> };
      };
    const ready = (o: Awaited<ReturnType<typeof get>>) => o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

    it('the proxy starts with the Deployment’s flags: it opens the token vault from its key Secret, serves /health, and is not ready before its first sync', async () => {
      expect((await fetch(`${proxy!.url}/health`)).status).toBe(200);
      expect(readyBeforeOperator).toBe(503);
      expect(proxy!.output()).not.toMatch(/ERR_VAULT|forbidden/i);
    });

    it('until the installer sets oidc-issuer, the proxy runs and refuses agents with 401 naming the placeholder issuer (no crash loop)', async () => {
      const res = await fetch(`${proxy!.url}/servers/any/mcp`, {
        method: 'POST',
        headers: { authorization: 'Bearer a.b.c', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('cannot find the JWKS of agent token issuer https://issuer.example.invalid');
      expect((await fetch(`${proxy!.url}/health`)).status).toBe(200);
      // ...and said so once in its log at start, for `kubectl logs`.
      await eventually(async () => /cannot find the JWKS of agent token issuer https:\/\/issuer\.example\.invalid.*oidc-issuer of ConfigMap mcp-gitops-config/.test(proxy!.output()), 10_000, 'the issuer warning');
    });

    it('the operator elects itself on its Lease, reads the referenced Secret, converges the proxy, writes finalizer, status and events', async () => {
      await kubectlOk(cp, ['-n', NS, 'create', 'secret', 'generic', 'edge-token', '--from-literal=token=team-a-token']);
      // docs/install.md: a Secret a gateway references opts in with this label (docs/security.md).
      await kubectlOk(cp, ['-n', NS, 'label', 'secret', 'edge-token', 'mcp-gitops.dev/allow-reference=true']);
      // Server-side apply, as the example Argo CD Applications sync (ServerSideApply=true).
      await kubectlOk(cp, ['apply', '--server-side', '-f', '-'], teamManifests());
      // --require-sync: the replica turns ready once the operator has pushed everything to it; then
      // the kubelet's readiness probe puts it into the Service's rotation, which `Ready` waits for.
      await eventually(async () => (await fetch(`${proxy!.url}/ready`)).status === 200, 30_000, 'the proxy turns ready');
      await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(proxySlice(proxy!.adminPort, true)), check: true });

      const gw = await eventually(async () => {
        const o = await get('mcpgateway', 'edge');
        return ready(o) ? o : undefined;
      }, 30_000, 'McpGateway edge Ready');
      expect(gw.metadata.finalizers?.length).toBeGreaterThan(0);
      await eventually(async () => ready(await get('virtualserver', 'tools')), 30_000, 'VirtualServer tools Ready');
      const registered = (await (await adminGet(`/gateways/${gatewayId(NS, 'edge')}`)).json()) as { reachable: boolean };
      expect(registered.reachable).toBe(true);

      const lease = JSON.parse(await kubectlOk(cp, ['get', '-n', SYSTEM_NAMESPACE, 'lease', 'mcp-gitops-operator', '-o', 'json'])) as { spec: { holderIdentity?: string } };
      expect(lease.spec.holderIdentity).toBeTruthy();
      const events = JSON.parse(await kubectlOk(cp, ['get', '-n', NS, 'events', '-o', 'json'])) as { items: Array<{ involvedObject: { kind: string } }> };
      expect(events.items.some((e) => e.involvedObject.kind === 'McpGateway')).toBe(true);
    });

    it('leaves nothing to sync: after the operator has reconciled, the applied manifests show no diff (no perpetual OutOfSync)', async () => {
      // What Argo CD's server-side diff computes: the dry-run result of applying git's version.
      const r = await cp.kubectl(['diff', '--server-side', '-f', '-'], { input: teamManifests() });
      expect({ code: r.code, diff: r.stdout, stderr: r.stderr }).toEqual({ code: 0, diff: '', stderr: '' });
    });

    it('deregisters and releases both resources on delete (finalizers removed under its own RBAC)', async () => {
      await kubectlOk(cp, ['-n', NS, 'delete', 'virtualserver/tools', 'mcpgateway/edge', '--wait=true', '--timeout=30s']);
      expect((await adminGet(`/gateways/${gatewayId(NS, 'edge')}`)).status).toBe(404);
    });
  });

  describe('examples', () => {
    it('dev-hs256: `mcp-gitops keys --only agent` creates the Secret it mounts, and it applies over the install as documented', async () => {
      const rendered = parseObjects(await kubectlOk(cp, ['kustomize', DEV_HS256_EXAMPLE]));
      const mounted = (deployment(rendered, 'mcp-gitops-proxy').spec.template.spec.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : []));
      const agent = execFileSync(process.execPath, [`${REPO}src/cli.ts`, 'keys', '--only', 'agent'], { encoding: 'utf8' });
      expect(mounted.filter((n) => n !== 'mcp-gitops-admin-token')).toEqual(parseObjects(agent).map((s) => s.metadata.name));
      await kubectlOk(cp, ['create', '-f', '-'], agent);
      await kubectlOk(cp, ['apply', '--dry-run=server', '-f', '-'], toYamlStream(rendered));
      await kubectlOk(cp, ['apply', '-k', DEV_HS256_EXAMPLE]);
      const args = await kubectlOk(cp, ['get', 'deployment', '-n', SYSTEM_NAMESPACE, 'mcp-gitops-proxy', '-o', 'jsonpath={.spec.template.spec.containers[0].args}']);
      expect(args).toContain('--agent-hs256-secret-file=/etc/mcp-gitops/agent/secret');
      expect(args).not.toContain('--oidc-issuer');
    });

    it('egress: the proxy and operator egress NetworkPolicies pass the API server’s validation and apply as documented', async () => {
      const rendered = parseObjects(await kubectlOk(cp, ['kustomize', EGRESS_EXAMPLE]));
      expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['NetworkPolicy/mcp-gitops-operator-egress', 'NetworkPolicy/mcp-gitops-proxy-egress']);
      await kubectlOk(cp, ['apply', '--dry-run=server', '-f', '-'], toYamlStream(rendered));
      await kubectlOk(cp, ['apply', '-k', EGRESS_EXAMPLE]);
      const stored = await kubectlOk(cp, ['get', 'networkpolicy', '-n', SYSTEM_NAMESPACE, 'mcp-gitops-proxy-egress', 'mcp-gitops-operator-egress', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.policyTypes[*]} {end}']);
      expect(stored.trim()).toBe('mcp-gitops-proxy-egress=Egress mcp-gitops-operator-egress=Egress');
    });

    it('atlassian-rovo: the README’s Secret, then the gateway and virtual server pass the API server’s schema and CEL rules', async () => {
      const rendered = parseObjects(await kubectlOk(cp, ['kustomize', ATLASSIAN_EXAMPLE]));
      await kubectlOk(cp, ['apply', '-f', '-'], toYamlStream(rendered.filter(isClusterFoundation)));
      // examples/atlassian-rovo/README.md, step 1, with a placeholder for the secret value.
      await kubectlOk(cp, ['-n', 'mcp', 'create', 'secret', 'generic', 'atlassian-oauth', '--from-literal=clientSecret=placeholder-not-a-secret']);
      await kubectlOk(cp, ['apply', '--dry-run=server', '-f', '-'], toYamlStream(rendered));
      // examples/atlassian-rovo/README.md, step 2, as written.
      await kubectlOk(cp, ['apply', '-k', ATLASSIAN_EXAMPLE]);
      const listed = await kubectlOk(cp, ['get', 'mcp', '-n', 'mcp', '-o', 'name']);
      expect(listed.trim().split('\n').sort()).toEqual([
        'mcpgateway.mcp-gitops.dev/atlassian-rovo',
        'virtualserver.mcp-gitops.dev/admin-atlassian',
      ]);
    });

    it('argocd: the Applications are well-formed Argo CD objects and the argocd-cm patch applies', async () => {
      await kubectlOk(cp, ['create', 'namespace', 'argocd']);
      await kubectlOk(cp, ['apply', '-f', `${REPO}test/fixtures/argocd/application-crd.yaml`]);
      await kubectlOk(cp, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/applications.argoproj.io']);
      await kubectlOk(cp, ['apply', '--dry-run=server', '-k', ARGOCD_EXAMPLE]);
      for (const app of parseObjects(await kubectlOk(cp, ['kustomize', ARGOCD_EXAMPLE]))) {
        const source = (app.spec as { source: { path: string } }).source;
        expect(readFileSync(`${REPO}${source.path}/kustomization.yaml`, 'utf8'), `${app.metadata.name} points at a kustomization`).toContain('kind: Kustomization');
      }
      await kubectlOk(cp, ['-n', 'argocd', 'create', 'configmap', 'argocd-cm', '--from-literal=url=https://argocd.example.com']);
      const patched = await kubectlOk(cp, ['-n', 'argocd', 'patch', 'configmap', 'argocd-cm', '--type', 'merge', '--patch-file', ARGOCD_CM_PATCH, '--dry-run=server', '-o', 'json']);
      const data = (JSON.parse(patched) as { data: Record<string, string> }).data;
      expect(Object.keys(data).sort()).toEqual([
        'resource.customizations.health.mcp-gitops.dev_McpGateway',
        'resource.customizations.health.mcp-gitops.dev_VirtualServer',
        'url',
      ]);
    });
  });
});
