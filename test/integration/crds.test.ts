/**
 * The generated CRDs against a real kube-apiserver: they install, the API server's defaults equal
 * the zod defaults, each CEL rule and schema constraint rejects the same bad resources as
 * `parseResource` at the same field, `kubectl explain` teaches the fields and `kubectl get mcp` shows
 * the printer columns.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRDS, crdFileName } from '../../src/api/crd.ts';
import { CRD_DIR } from '../../src/api/generate-crds.ts';
import { parseResource } from '../../src/api/resources.ts';
import { assetsDir, controlPlaneAvailable, startControlPlane, type ControlPlane } from '../support/control-plane.ts';
import { badResources, designGateway, designVirtualServer, goodResources, NS } from '../unit/api/fixtures.ts';

const available = controlPlaneAvailable();
if (!available) {
  console.warn(
    `crds.test.ts skipped: kube-apiserver, etcd and kubectl not found in ${assetsDir()}. ` +
      'Build them with `export KUBEBUILDER_ASSETS="$(hack/build-control-plane.sh | tail -n1)"`.',
  );
}

describe.skipIf(!available)('CRDs on a real kube-apiserver', () => {
  let cp: ControlPlane;

  async function kubectl(args: string[], input?: string) {
    return cp.kubectl(args, input === undefined ? {} : { input });
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    const files = CRDS.map((s) => join(CRD_DIR, crdFileName(s)));
    await cp.kubectl(['apply', '--server-side', ...files.flatMap((f) => ['-f', f])], { check: true });
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
    await cp.kubectl(['create', 'namespace', NS], { check: true });
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it.each(Object.entries(goodResources))('accepts %s, defaulting it exactly as parseResource does', async (_, resource) => {
    const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(resource));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const served = JSON.parse(r.stdout) as { spec: unknown };
    const parsed = parseResource(resource);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(served.spec).toEqual(parsed.resource.spec);
  });

  it.each(Object.entries(badResources))('rejects %s at the same field as parseResource', async (_, bad) => {
    const r = await kubectl(['create', '--dry-run=server', '-f', '-'], JSON.stringify(bad.resource));
    expect(r.code).not.toBe(0);
    // e.g. `The McpGateway "gw" is invalid: spec.auth.oauth.tokenUrl: Required value: tokenUrl is required for Static discovery`
    const mentions = r.stderr.split(/\n|, (?=spec\.)/).filter((line) => line.includes(`${bad.path}:`) || line.includes(`${bad.path}[`));
    expect(mentions.join('\n'), r.stderr).toContain(bad.message);
    expect(mentions, r.stderr).not.toHaveLength(0);
  });

  it('kubectl explain mcpgateway.spec.auth teaches the fields', async () => {
    // The OpenAPI document is published shortly after the CRD is Established: poll, bounded.
    let r = await kubectl(['explain', 'mcpgateway.spec.auth']);
    for (let i = 0; i < 50 && r.code !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      r = await kubectl(['explain', 'mcpgateway.spec.auth']);
    }
    expect(r.stderr).toBe('');
    const flat = (text: string) => text.replace(/\s+/g, ' '); // explain wraps long descriptions
    expect(flat(r.stdout)).toContain('How the proxy authenticates to the upstream. Defaults to type None.');
    for (const field of ['bearer', 'headers', 'oauth', 'type']) expect(r.stdout).toMatch(new RegExp(`^\\s+${field}\\s`, 'm'));
    const oauth = await kubectl(['explain', 'mcpgateway.spec.auth.oauth.discovery']);
    expect(flat(oauth.stdout)).toContain("starting from the upstream's RFC 9728 protected-resource metadata");
  });

  it('kubectl get mcp lists both kinds with READY, TOOLS, URL/ENDPOINT and AGE; kubectl wait sees Ready', async () => {
    await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [designGateway, designVirtualServer] }));
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const ready = { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'serving', lastTransitionTime: now, observedGeneration: 1 };
    const patch = (status: object) => JSON.stringify({ status });
    let r = await kubectl(['patch', '-n', NS, 'mcpgw/atlassian-rovo', '--subresource=status', '--type=merge', '-p', patch({ toolCount: 27, conditions: [ready] })]);
    expect(r.stderr).toBe('');
    r = await kubectl(['patch', '-n', NS, 'mcpvs/admin-atlassian', '--subresource=status', '--type=merge', '-p', patch({ toolCount: 9, endpoint: 'http://proxy.mcp:4444/servers/abc/mcp', conditions: [ready] })]);
    expect(r.stderr).toBe('');

    r = await kubectl(['get', 'mcp', '-n', NS]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(lines).toContainEqual(['NAME', 'READY', 'TOOLS', 'URL', 'AGE']);
    expect(lines).toContainEqual(['mcpgateway.mcp-gitops.dev/atlassian-rovo', 'True', '27', 'https://mcp.atlassian.com/v1/mcp', expect.any(String)]);
    expect(lines).toContainEqual(['NAME', 'READY', 'TOOLS', 'ENDPOINT', 'AGE']);
    expect(lines).toContainEqual(['virtualserver.mcp-gitops.dev/admin-atlassian', 'True', '9', 'http://proxy.mcp:4444/servers/abc/mcp', expect.any(String)]);

    const wide = await kubectl(['get', 'mcpgw', '-n', NS, '-o', 'wide']);
    expect(wide.stdout).toMatch(/STATUS/);
    expect(wide.stdout).toMatch(/serving/);

    const wait = await kubectl(['wait', '-n', NS, '--for=condition=Ready', '--timeout=10s', 'virtualserver/admin-atlassian']);
    expect(wait.stdout).toContain('condition met');
  });

  it('validates status written by the operator (conditions keyed by type, enum status)', async () => {
    const r = await kubectl([
      'patch', '-n', NS, 'mcpgw/atlassian-rovo', '--subresource=status', '--type=merge',
      '-p', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'Maybe', reason: 'Succeeded', message: '', lastTransitionTime: '2026-11-25T17:00:00Z' }] } }),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/status\.conditions\[0\]\.status: Unsupported value: "Maybe"/);
  });
});
