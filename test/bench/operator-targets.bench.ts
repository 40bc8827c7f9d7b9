/**
 * Operator benchmark, the two reconcile targets side by side (a script, not a test; the second part
 * of `npm run bench:operator`).
 *
 * Against one real kube-apiserver and one real server-everything upstream, the same operator
 * (in-process, `runOperator`) converges into (a) a real mcp-gitops proxy and (b) a real IBM
 * ContextForge (hack/build-contextforge.sh), one after the other, each in its own namespace:
 *
 * 1. apply → Ready of one McpGateway (each a new upstream URL) and of one VirtualServer selecting two
 *    tools of an existing gateway, BENCH_TARGET_RUNS times each (p50 / p99);
 * 2. writes to the target made by an operator restart over the converged state (a full no-op resync),
 *    from the operator's own counter and, for ContextForge, counted at ContextForge too.
 *
 * Env: BENCH_TARGET_RUNS (default 20), BENCH_TARGET_RESOURCES (resources standing during the resync,
 * default 20 pairs), KUBEBUILDER_ASSETS, MCP_GITOPS_CONTEXTFORGE.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CRDS, crdFileName } from '../../src/api/crd.ts';
import { CRD_DIR } from '../../src/api/generate-crds.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { Reflector } from '../../src/operator/kube/reflector.ts';
import { collectionPath, type RawResource } from '../../src/operator/objects.ts';
import type { OperatorOptionsInput } from '../../src/operator/options.ts';
import { runOperator, type OperatorHandle } from '../../src/operator/run.ts';
import { startProxy } from '../../src/proxy/start.ts';
import { contextforgeVenv, startContextForge } from '../support/contextforge.ts';
import { startControlPlane } from '../support/control-plane.ts';
import { startEverything } from '../support/everything.ts';

const RUNS = Number(process.env.BENCH_TARGET_RUNS ?? 20);
const STANDING = Number(process.env.BENCH_TARGET_RESOURCES ?? 20);
const TOKEN = 'bench-admin-token-0123456789abcdef';
const log = (msg: string) => process.stderr.write(`[bench:targets] ${msg}\n`);

interface Result {
  target: string;
  gateway: number[];
  server: number[];
  resyncWrites: number;
  resyncWritesSeenByTarget: number | undefined;
  statusWrites: number;
}

function isReady(o: RawResource): boolean {
  const c = (o.status?.conditions as { type: string; status: string }[] | undefined)?.find((x) => x.type === 'Ready');
  return c?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const gw = (ns: string, name: string, url: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name, namespace: ns }, spec: { url, transport: 'StreamableHTTP', allowPrivateNetwork: true } });
const vs = (ns: string, name: string, gateway: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name, namespace: ns }, spec: { tools: [{ gateway, include: ['echo', 'get-sum'] }] } });

async function measure(kube: KubeClient, ns: string, target: string, upstream: string, operatorOptions: Partial<OperatorOptionsInput>, kubeconfig: string, writesAtTarget?: { reset(): void; count(): number }): Promise<Result> {
  await kube.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  const readyAt = new Map<string, number>();
  const watchers = (['McpGateway', 'VirtualServer'] as const).map(
    (kind) =>
      new Reflector<RawResource>({
        client: kube,
        path: collectionPath(kind, ns),
        onChange: (type, o) => {
          const key = `${kind}/${o.metadata.name}`;
          if (type !== 'DELETED' && isReady(o) && !readyAt.has(key)) readyAt.set(key, performance.now());
          if (type === 'DELETED') readyAt.delete(key);
        },
      }),
  );
  await Promise.all(watchers.map((w) => w.start()));
  const options = { kubeconfig, metricsBindAddress: '0', healthProbeBindAddress: '0', proxyPollInterval: 1, concurrent: 4, namespace: ns, allowPrivateNetworkNamespace: ['*'], allowPlainHttpNamespace: ['*'], ...operatorOptions } as OperatorOptionsInput;
  let op: OperatorHandle = await runOperator(options, { logger: pino({ level: 'error' }) });
  const applyAndWait = async (kind: 'McpGateway' | 'VirtualServer', body: object, name: string): Promise<number> => {
    const start = performance.now();
    await kube.request('POST', collectionPath(kind, ns), { body });
    const key = `${kind}/${name}`;
    const deadline = start + 300_000;
    while (!readyAt.has(key)) {
      if (performance.now() > deadline) throw new Error(`${target}: ${key} not Ready within 300 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return readyAt.get(key)! - start;
  };
  try {
    log(`${target}: ${STANDING} standing McpGateway + VirtualServer pairs`);
    for (let i = 0; i < STANDING; i++) {
      await applyAndWait('McpGateway', gw(ns, `gw-${i}`, `${upstream}?standing=${i}`), `gw-${i}`);
      await applyAndWait('VirtualServer', vs(ns, `vs-${i}`, `gw-${i}`), `vs-${i}`);
    }
    log(`${target}: ${RUNS} × apply → Ready`);
    const gateway: number[] = [];
    const server: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      gateway.push(await applyAndWait('McpGateway', gw(ns, `lat-gw-${i}`, `${upstream}?lat=${i}`), `lat-gw-${i}`));
      server.push(await applyAndWait('VirtualServer', vs(ns, `lat-vs-${i}`, 'gw-0'), `lat-vs-${i}`));
    }
    await op.idle();
    log(`${target}: no-op resync (operator restart over ${2 * (STANDING + RUNS)} converged resources)`);
    await op.stop();
    writesAtTarget?.reset();
    op = await runOperator(options, { logger: pino({ level: 'error' }) });
    await new Promise((r) => setTimeout(r, 1_000));
    await op.idle();
    await new Promise((r) => setTimeout(r, 3_000)); // three target polls
    await op.idle();
    const w = op.writes();
    return { target, gateway, server, resyncWrites: w.proxy, resyncWritesSeenByTarget: writesAtTarget?.count(), statusWrites: w.status };
  } finally {
    await op.stop();
    for (const w of watchers) w.stop();
  }
}

async function main(): Promise<void> {
  if (!contextforgeVenv()) {
    log('MCP_GITOPS_CONTEXTFORGE not set: hack/build-contextforge.sh (cached after the first run)');
    const script = fileURLToPath(new URL('../../hack/build-contextforge.sh', import.meta.url));
    process.env.MCP_GITOPS_CONTEXTFORGE = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  }
  log('starting control plane, server-everything, proxy, ContextForge');
  // One after the other: on a loaded machine they starve each other's start-up deadlines.
  const cf = await startContextForge();
  const cp = await startControlPlane();
  const everything = await startEverything();
  const proxy = await startProxy({ port: 0, adminPort: 0, adminToken: TOKEN, agentAuth: { insecureNoAuth: true }, logger: pino({ level: 'silent' }) });
  try {
    await cp.kubectl(['apply', '--server-side', ...CRDS.flatMap((s) => ['-f', join(CRD_DIR, crdFileName(s))])], { check: true });
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
    const kube = await KubeClient.connect(cp.kubeconfigPath);
    const results = [
      await measure(kube, 'bench-proxy', 'mcp-gitops proxy', everything.url, { adminToken: TOKEN, proxyUrl: [proxy.adminUrl] }, cp.kubeconfigPath),
      await measure(kube, 'bench-cf', 'ContextForge', everything.url, { target: 'contextforge', contextforgeUrl: cf.url, contextforgeToken: cf.token }, cp.kubeconfigPath, {
        reset: () => cf.resetWrites(),
        count: () => cf.writes(),
      }),
    ];
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const rows = [
      ['', ...results.map((r) => r.target)],
      ['McpGateway apply → Ready p50', ...results.map((r) => ms(pct(r.gateway, 50)))],
      ['McpGateway apply → Ready p99', ...results.map((r) => ms(pct(r.gateway, 99)))],
      ['VirtualServer apply → Ready p50', ...results.map((r) => ms(pct(r.server, 50)))],
      ['VirtualServer apply → Ready p99', ...results.map((r) => ms(pct(r.server, 99)))],
      ['no-op resync: writes to the target', ...results.map((r) => String(r.resyncWrites))],
      ['no-op resync: writes counted at the target', ...results.map((r) => (r.resyncWritesSeenByTarget === undefined ? '—' : String(r.resyncWritesSeenByTarget)))],
      ['no-op resync: status writes', ...results.map((r) => String(r.statusWrites))],
    ];
    const width = rows.map((r) => r.map((c) => c.length)).reduce((a, b) => a.map((x, i) => Math.max(x, b[i]!)));
    console.log(`\noperator targets, ${RUNS} runs each, ${STANDING} standing pairs (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}):`);
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i]!)).join('  '));
  } finally {
    await proxy.close();
    await Promise.all([cf.close(), everything.kill(), cp.stop()]);
  }
}

await main();
