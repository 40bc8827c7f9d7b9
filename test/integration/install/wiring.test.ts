/**
 * The rendered install is wired together: selectors match the pods they mean, named ports exist, the
 * NetworkPolicy admits the admin port from the operator's pods only, and the probes point at the
 * paths each process serves. Mistakes here pass every dry run and break only in a real cluster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { assetsDir } from '../../support/control-plane.ts';
import { parseFlags } from '../../../src/config/flags.ts';
import { proxyFlagSpec, ProxyFlags } from '../../../src/config/proxy.ts';
import { expandArgs } from './deployment-args.ts';
import { deployment, DEV_HS256_EXAMPLE, EGRESS_EXAMPLE, MANIFESTS, parseObjects, REPO, type KubeObject } from './rendered.ts';

const KUBECTL = [join(assetsDir(), 'kubectl'), 'kubectl'].find((k) => spawnSync(k, ['version', '--client'], { stdio: 'ignore' }).status === 0);
if (!KUBECTL) console.warn('SKIP install wiring tests: no kubectl (build the test control plane or install kubectl)');

type Labels = Record<string, string>;
type Port = { name?: string; containerPort?: number; port?: number | string; targetPort?: number | string };
type Container = { name: string; ports?: Port[]; livenessProbe?: Probe; readinessProbe?: Probe };
type Probe = { httpGet?: { path: string; port: string | number } };
type Template = { metadata: { labels: Labels }; spec: { containers: Container[]; serviceAccountName?: string } };

const matches = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.skipIf(!KUBECTL)('install wiring (manifests/ as kustomize renders it)', () => {
  const objects: KubeObject[] = KUBECTL ? parseObjects(execFileSync(KUBECTL, ['kustomize', MANIFESTS], { encoding: 'utf8' })) : [];
  const find = (kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name}`);
    return o as KubeObject & { spec: Record<string, unknown> };
  };
  const template = (name: string) => deployment(objects, name).spec.template as unknown as Template;
  const operator = () => template('mcp-gitops-operator');
  const proxy = () => template('mcp-gitops-proxy');

  it('installs every generated CRD (crds/kustomization.yaml lists each file in crds/)', () => {
    const listed = (parse(readFileSync(`${REPO}crds/kustomization.yaml`, 'utf8')) as { resources: string[] }).resources;
    const generated = readdirSync(`${REPO}crds`).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...listed].sort()).toEqual(generated.sort());
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(['mcpgateways.mcp-gitops.dev', 'virtualservers.mcp-gitops.dev']);
    for (const c of crds) {
      expect(c.metadata.annotations?.['argocd.argoproj.io/sync-wave'], c.metadata.name).toBe('-2');
      expect(c.metadata.annotations?.['argocd.argoproj.io/sync-options'], c.metadata.name).toBe('Prune=false,Delete=false');
    }
  });

  it('each Deployment, PodDisruptionBudget and the Service select exactly their own pods', () => {
    for (const name of ['mcp-gitops-operator', 'mcp-gitops-proxy']) {
      const d = deployment(objects, name) as unknown as { spec: { selector: { matchLabels: Labels }; template: Template } };
      expect(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), name).toBe(true);
      const pdb = find('PodDisruptionBudget', name).spec as { selector: { matchLabels: Labels } };
      expect(matches(pdb.selector.matchLabels, d.spec.template.metadata.labels), `PDB ${name}`).toBe(true);
    }
    const svc = find('Service', 'mcp-gitops-proxy').spec as { selector: Labels };
    expect(matches(svc.selector, proxy().metadata.labels)).toBe(true);
    expect(matches(svc.selector, operator().metadata.labels)).toBe(false);
  });

  it('the Service exposes the agent port 4444 as `http` and the admin port 4445 as `admin` (the name the operator looks for)', () => {
    const svc = find('Service', 'mcp-gitops-proxy').spec as { ports: Port[] };
    const containerPorts = proxy().spec.containers[0]?.ports ?? [];
    expect(svc.ports.map((p) => [p.name, p.port])).toEqual([['http', 4444], ['admin', 4445]]);
    for (const p of svc.ports) expect(containerPorts.map((c) => c.name), `targetPort ${p.targetPort}`).toContain(p.targetPort);
    expect(containerPorts.map((c) => [c.name, c.containerPort])).toEqual([['http', 4444], ['admin', 4445]]);
  });

  it('the NetworkPolicy admits the admin port (admin API, /metrics) from the operator’s pods and labelled monitoring namespaces only, the agent port from anywhere', () => {
    const np = find('NetworkPolicy', 'mcp-gitops-proxy').spec as {
      podSelector: { matchLabels: Labels };
      policyTypes: string[];
      ingress: Array<{ from?: Array<{ podSelector?: { matchLabels: Labels }; namespaceSelector?: unknown; ipBlock?: unknown }>; ports?: Port[] }>;
    };
    expect(matches(np.podSelector.matchLabels, proxy().metadata.labels)).toBe(true);
    expect(np.policyTypes).toEqual(['Ingress']);
    const admitting = (port: string) => np.ingress.filter((r) => !r.ports || r.ports.some((p) => p.port === port));
    const adminRules = admitting('admin');
    expect(adminRules.length).toBeGreaterThan(0);
    for (const rule of adminRules) {
      expect(rule.from?.length, 'an admin rule must name its sources').toBeGreaterThan(0);
      for (const peer of rule.from ?? []) {
        expect(peer.ipBlock, 'no address ranges').toBeUndefined();
        if (peer.namespaceSelector) {
          // Prometheus: only namespaces the platform labelled, never every namespace.
          expect(peer).toEqual({ namespaceSelector: { matchLabels: { 'mcp-gitops.dev/metrics-scraper': 'true' } } });
          continue;
        }
        expect(matches(peer.podSelector?.matchLabels ?? {}, operator().metadata.labels)).toBe(true);
        expect(matches(peer.podSelector?.matchLabels ?? {}, proxy().metadata.labels)).toBe(false);
      }
    }
    // The scrape annotations point at the admin port: the agent port serves no /metrics.
    const annotations = (deployment(objects, 'mcp-gitops-proxy').spec.template as unknown as { metadata: { annotations?: Labels } }).metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/port': '4445', 'prometheus.io/path': '/metrics' });
    expect(admitting('http').some((r) => r.from === undefined)).toBe(true);
  });

  it('the egress examples fence each pod: the proxy reaches DNS, the API server, labelled upstream namespaces and public https; the operator DNS, the API server and the proxies’ admin port', () => {
    type Peer = { podSelector?: { matchLabels: Labels }; namespaceSelector?: { matchLabels: Labels }; ipBlock?: { cidr: string; except?: string[] } };
    type Rule = { to?: Peer[]; ports?: Array<{ port: number | string; protocol: string }> };
    const egress = parseObjects(execFileSync(KUBECTL!, ['kustomize', EGRESS_EXAMPLE], { encoding: 'utf8' }));
    const policy = (name: string) => egress.find((o) => o.metadata.name === name)?.spec as { podSelector: { matchLabels: Labels }; policyTypes: string[]; egress: Rule[] };
    const px = policy('mcp-gitops-proxy-egress');
    const op = policy('mcp-gitops-operator-egress');
    expect(matches(px.podSelector.matchLabels, proxy().metadata.labels) && !matches(px.podSelector.matchLabels, operator().metadata.labels)).toBe(true);
    expect(matches(op.podSelector.matchLabels, operator().metadata.labels) && !matches(op.podSelector.matchLabels, proxy().metadata.labels)).toBe(true);
    for (const p of [px, op]) {
      expect(p.policyTypes).toEqual(['Egress']);
      // Every rule names where it goes and on which ports: none opens everything.
      for (const r of p.egress) expect(r.to?.length && r.ports?.length, JSON.stringify(r)).toBeTruthy();
      const dns = p.egress.find((r) => r.to?.some((t) => t.podSelector?.matchLabels['k8s-app'] === 'kube-dns'));
      expect(dns?.ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
      expect(p.egress.some((r) => r.to?.some((t) => t.ipBlock?.cidr.endsWith('/32')) && r.ports?.some((x) => x.port === 6443))).toBe(true);
    }
    // The proxy's public rule keeps private, link-local, CGNAT and loopback out, and is https only.
    const pub = px.egress.find((r) => r.to?.some((t) => t.ipBlock?.cidr === '0.0.0.0/0'))!;
    expect(pub.ports).toEqual([{ port: 443, protocol: 'TCP' }]);
    expect(pub.to?.find((t) => t.ipBlock?.cidr === '0.0.0.0/0')?.ipBlock?.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8']));
    expect(px.egress.some((r) => r.to?.some((t) => t.namespaceSelector?.matchLabels['mcp-gitops.dev/upstreams'] === 'true'))).toBe(true);
    // The operator: no address range beyond the API server's, and the proxies by their admin port name.
    expect(op.egress.flatMap((r) => r.to ?? []).filter((t) => t.ipBlock).every((t) => t.ipBlock!.cidr.endsWith('/32'))).toBe(true);
    const toProxies = op.egress.find((r) => r.to?.some((t) => matches(t.podSelector?.matchLabels ?? { none: 'x' }, proxy().metadata.labels)));
    expect(toProxies?.ports).toEqual([{ port: 'admin', protocol: 'TCP' }]);
    expect(proxy().spec.containers[0]?.ports?.map((c) => c.name)).toContain('admin');
  });

  it('agents authenticate with OIDC/JWKS: the proxy takes issuer and audience from the ConfigMap and mounts no shared agent secret', () => {
    const d = deployment(objects, 'mcp-gitops-proxy');
    const [px] = d.spec.template.spec.containers as unknown as Array<{ args: string[]; env: Array<{ name: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }> }>;
    expect(px!.args).toEqual(expect.arrayContaining(['--oidc-issuer=$(MCP_GITOPS_OIDC_ISSUER)', '--oidc-audience=$(MCP_GITOPS_OIDC_AUDIENCE)']));
    expect(px!.args.filter((a) => a.startsWith('--agent-hs256') || a === '--insecure-no-agent-auth')).toEqual([]);
    const config = find('ConfigMap', 'mcp-gitops-config') as unknown as { data: Record<string, string> };
    for (const [variable, key] of [['MCP_GITOPS_OIDC_ISSUER', 'oidc-issuer'], ['MCP_GITOPS_OIDC_AUDIENCE', 'oidc-audience']]) {
      expect(px!.env.find((e) => e.name === variable)?.valueFrom?.configMapKeyRef).toEqual({ name: 'mcp-gitops-config', key });
    }
    // The shipped issuer is a placeholder that can never resolve (RFC 6761 .invalid): set by the installer.
    expect(new URL(config.data['oidc-issuer']!).hostname).toMatch(/\.invalid$/);
    expect(d.spec.template.spec.volumes?.map((v) => v.secret?.secretName).filter(Boolean)).toEqual(['mcp-gitops-admin-token']);
    const { flags } = parseFlags(expandArgs(d as never, 'manifests/').slice(1), proxyFlagSpec, ProxyFlags);
    expect(flags).toMatchObject({ oidcIssuer: config.data['oidc-issuer'], oidcAudience: config.data['oidc-audience'] });
    expect(flags.agentHs256SecretFile).toBeUndefined();
  });

  it('examples/dev-hs256 is the same install with the shared HS256 secret in place of the OIDC flags, mounted from Secret mcp-gitops-agent-jwt', () => {
    const dev = parseObjects(execFileSync(KUBECTL!, ['kustomize', DEV_HS256_EXAMPLE], { encoding: 'utf8' }));
    const [base, overlay] = [deployment(objects, 'mcp-gitops-proxy'), deployment(dev, 'mcp-gitops-proxy')];
    const [baseArgs, devArgs] = [base, overlay].map((d) => d.spec.template.spec.containers[0]!.args!);
    expect(devArgs).toEqual(baseArgs!.flatMap((a) =>
      a.startsWith('--oidc-issuer=') ? ['--agent-hs256-secret-file=/etc/mcp-gitops/agent/secret'] : a.startsWith('--oidc-audience=') ? [] : [a],
    ));
    const spec = overlay.spec.template.spec;
    const mount = spec.containers[0]!.volumeMounts?.find((m) => '/etc/mcp-gitops/agent/secret'.startsWith(`${m.mountPath}/`));
    expect(spec.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName).toBe('mcp-gitops-agent-jwt');
    const { flags } = parseFlags(expandArgs(overlay as never, 'examples/dev-hs256/').slice(1), proxyFlagSpec, ProxyFlags);
    expect([flags.agentHs256SecretFile, flags.oidcIssuer]).toEqual(['/etc/mcp-gitops/agent/secret', undefined]);
    // Nothing else differs: every other object is the base's.
    const others = (list: KubeObject[]) => list.filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'mcp-gitops-proxy')).map((o) => JSON.stringify(o)).sort();
    expect(others(dev)).toEqual(others(objects));
  });

  it('probes point at the paths each process serves, on its named ports', () => {
    const [op] = operator().spec.containers;
    expect([op?.livenessProbe?.httpGet, op?.readinessProbe?.httpGet]).toEqual([
      { path: '/healthz', port: 'probes' },
      { path: '/readyz', port: 'probes' },
    ]);
    const [px] = proxy().spec.containers;
    expect([px?.livenessProbe?.httpGet, px?.readinessProbe?.httpGet]).toEqual([
      { path: '/health', port: 'http' },
      { path: '/ready', port: 'http' },
    ]);
  });

  it('each Deployment runs under its own service account, bound to its own role', () => {
    expect(operator().spec.serviceAccountName).toBe('mcp-gitops-operator');
    expect(proxy().spec.serviceAccountName).toBe('mcp-gitops-proxy');
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') as unknown as Array<{
      metadata: { name: string };
      subjects: Array<{ name: string }>;
      roleRef: { name: string };
    }>;
    for (const b of bindings) {
      expect(b.subjects.map((s) => s.name), b.metadata.name).toEqual([b.roleRef.name.startsWith('mcp-gitops-operator') ? 'mcp-gitops-operator' : 'mcp-gitops-proxy']);
    }
  });
});
