/**
 * Operator benchmark (a script, not a test): `npm run bench:operator`.
 *
 * Against a real kube-apiserver, with one real proxy and real upstream MCP servers (our edge server)
 * in this process and the operator as child processes (so their memory is their own) run the way the
 * image runs it — `node cli.js operator …` from the checkout's esbuild bundle, with the node flags of
 * its Deployment (`NODE_OPTIONS` in manifests/operator/deployment.yaml) — leader election on:
 *
 * 1. Idle: operator RSS and heap with nothing to manage (caches synced, leading).
 * 2. Cold converge: N McpGateways + N VirtualServers created at once → time until all are Ready (for
 *    their generation); RSS and heap after it; heap per object.
 * 3. Apply→Ready latency of one VirtualServer and of one McpGateway under that load (p50/p99).
 * 4. Failover under load: a standby waits; BENCH_UPDATES VirtualServers are changed while the leader
 *    gets SIGTERM halfway through → time until the standby leads, time until every change is Ready,
 *    changes never converged ("lost").
 * 5. No-op resync: a fresh operator over the converged state → proxy writes, status writes, changed
 *    resourceVersions (all should be 0); RSS after it.
 *
 * Env: BENCH_N (default 1000 → 2,000 objects), BENCH_RUNS (100), BENCH_CONCURRENT (16),
 * BENCH_UPDATES (100), BENCH_LOG (the operators' log level, default error), BENCH_BASELINE_REF (a git commit: run the whole benchmark first with that
 * commit's operator, from a detached worktree, and print both side by side).
 *
 * The machine's load changes every time: each pass prints the 1-minute load average at its start and
 * end. On a shared machine run it niced, when the load is lowest: `nice -n 10 npm run bench:operator`.
 * 20,000 objects: `BENCH_N=10000` (about 20–40 min per pass on 2 cores at load ≈ 2).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CRDS, crdFileName } from '../../src/api/crd.ts';
import { CRD_DIR } from '../../src/api/generate-crds.ts';
import { AdminClient } from '../../src/contract/client.ts';
import { KubeClient, type KubeApiError } from '../../src/kube/client.ts';
import { Reflector } from '../../src/operator/kube/reflector.ts';
import { collectionPath, type RawResource } from '../../src/operator/objects.ts';
import { startProxy } from '../../src/proxy/start.ts';
import { buildBundle } from '../support/bundle.ts';
import { startControlPlane } from '../support/control-plane.ts';
import { startEdgeServer } from '../support/upstreams/edge-server.ts';
import { deployedEnv, deployedNodeFlags } from './scale/proxy-child.ts';

const ROOT = join(fileURLToPath(import.meta.url), '../../..');
const N = Number(process.env.BENCH_N ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 16);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 100);
const BASELINE_REF = process.env.BENCH_BASELINE_REF;
const NS = 'bench';
/** Upstream servers (same edge server code, separate ports), so no single-threaded test upstream carries a thousand sessions. */
const UPSTREAMS = Number(process.env.BENCH_UPSTREAMS ?? Math.max(1, Math.ceil(N / 40)));
const TOKEN = 'bench-admin-token-0123456789abcdef';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface OperatorChild {
  proc: ChildProcess;
  metricsUrl: string;
  /** SIGTERM (graceful: releases the Lease); resolves on exit. */
  stop(): Promise<void>;
}

/**
 * The operator as the image runs it: checkout `root`'s CLI bundled by its own `build:bundle` script
 * (test/support/bundle.ts), run as `node cli.js operator …` with the flags and environment a Deployment gives it. Built once per checkout.
 */
const bundles = new Map<string, string>();
function operatorBundle(root: string): string {
  let out = bundles.get(root);
  if (!out) bundles.set(root, (out = buildBundle(root, join(tmpdir(), `mcp-gitops-bench-operator-${bundles.size}-${process.pid}`))));
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function startOperatorChild(root: string, kubeconfig: string, proxyUrl: string): Promise<OperatorChild> {
  const port = await freePort();
  const flags = [
    `--kubeconfig=${kubeconfig}`,
    `--proxy-url=${proxyUrl}`,
    `--concurrent=${CONCURRENT}`,
    `--metrics-bind-address=127.0.0.1:${port}`,
    '--health-probe-bind-address=0',
    '--leader-elect',
    '--leader-election-namespace=default',
    '--allow-private-network-namespace=*',
    '--allow-plain-http-namespace=*',
  ];
  // With what the checkout's operator Deployment sets for node (its command's node flags, NODE_OPTIONS, MALLOC_ARENA_MAX), as in a pod.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, MCP_GITOPS_ADMIN_TOKEN: TOKEN, MCP_GITOPS_LOG_LEVEL: process.env.BENCH_LOG ?? 'error', ...deployedEnv(root, 'operator') };
  const proc = spawn(process.execPath, [...deployedNodeFlags(root, 'operator'), operatorBundle(root), 'operator', ...flags], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const metricsUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => proc.once('exit', (c) => reject(new Error(`operator exited ${c}`))));
  exited.catch(() => undefined); // a later exit (SIGTERM in the failover) is expected
  for (;;) {
    const up = await Promise.race([fetch(`${metricsUrl}/metrics`).then(() => true, () => false), exited]);
    if (up) break;
    await sleep(100);
  }
  return {
    proc,
    metricsUrl,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

async function scrape(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const i = line.lastIndexOf(' ');
    const name = line.slice(0, i).replace(/\{.*\}/, '');
    out.set(name, (out.get(name) ?? 0) + Number(line.slice(i + 1)));
  }
  return out;
}

async function waitLeader(op: OperatorChild, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await scrape(op.metricsUrl)).get('mcp_gitops_operator_leader') !== 1) {
    if (Date.now() > deadline) throw new Error('the operator did not lead');
    await sleep(100);
  }
}

function isReady(o: RawResource): boolean {
  const c = (o.status?.conditions as { type: string; status: string }[] | undefined)?.find((x) => x.type === 'Ready');
  return c?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const gw = (name: string, url: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name, namespace: NS }, spec: { url, transport: 'StreamableHTTP', allowPrivateNetwork: true } });
const vs = (name: string, gateway: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name, namespace: NS }, spec: { tools: [{ gateway, include: ['echo', 'add'] }] } });

/**
 * POST that survives an API server overloaded by the machine's load (a reset connection, 429, 5xx):
 * up to 10 tries, 1 s apart; AlreadyExists after a retry means an earlier try got through.
 */
async function createRetrying(kube: KubeClient, path: string, body: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await kube.request('POST', path, { body });
      return;
    } catch (err) {
      const status = (err as KubeApiError).status;
      if (attempt > 1 && status === 409) return;
      if (attempt >= 10 || !(status === 0 || status === 429 || status >= 500)) throw err;
      await sleep(1_000);
    }
  }
}

type Row = [measure: string, result: string, aim: string];

const mb = (b: number | undefined) => `${((b ?? 0) / 1024 / 1024).toFixed(0)} MiB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

/** The whole benchmark with the operator of checkout `root`; resolves its rows. */
async function pass(root: string): Promise<Row[]> {
  const loadAtStart = loadavg()[0]!;
  log(`starting control plane (operator from ${root}); load average ${loadAtStart.toFixed(1)}`);
  const cp = await startControlPlane();
  const operators: OperatorChild[] = [];
  const upstreams = await Promise.all(Array.from({ length: UPSTREAMS }, () => startEdgeServer()));
  const upstreamFor = (i: number) => upstreams[i % upstreams.length]!.url;
  const proxy = await startProxy({ port: 0, adminPort: 0, adminToken: TOKEN, agentAuth: { insecureNoAuth: true }, logger: pino({ level: 'silent' }), maxSessions: 100_000 });
  const admin = new AdminClient({ baseUrl: proxy.adminUrl, token: TOKEN, timeoutMs: 120_000 });
  try {
    await cp.kubectl(['apply', '--server-side', ...CRDS.flatMap((s) => ['-f', join(CRD_DIR, crdFileName(s))])], { check: true });
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    const kube = await KubeClient.connect(cp.kubeconfigPath);

    // Our own reflectors watch readiness (a watch, not polling, so latencies are exact).
    const readyAt = new Map<string, number>();
    /** name → generation a change is waiting for, and when it became Ready for it. */
    const changes = new Map<string, { generation: number; readyAt?: number }>();
    const watchers = (['McpGateway', 'VirtualServer'] as const).map(
      (kind) =>
        new Reflector<RawResource>({
          client: kube,
          path: collectionPath(kind, NS),
          transform: (o) => ({ kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, resourceVersion: o.metadata.resourceVersion, generation: o.metadata.generation }, status: o.status }) as RawResource,
          onChange: (type, o) => {
            const key = `${kind}/${o.metadata.name}`;
            if (type === 'DELETED') return void readyAt.delete(key);
            if (isReady(o) && !readyAt.has(key)) readyAt.set(key, performance.now());
            const c = kind === 'VirtualServer' ? changes.get(o.metadata.name) : undefined;
            if (c && c.readyAt === undefined && isReady(o) && (o.metadata.generation ?? 0) >= c.generation) c.readyAt = performance.now();
          },
        }),
    );
    await Promise.all(watchers.map((w) => w.start()));

    // 1. Idle.
    const leader = await startOperatorChild(root, cp.kubeconfigPath, proxy.adminUrl);
    operators.push(leader);
    await waitLeader(leader);
    await sleep(3_000);
    const idle = await scrape(leader.metricsUrl);
    log(`idle: RSS ${mb(idle.get('mcp_gitops_operator_process_resident_memory_bytes'))}; creating ${N} McpGateways + ${N} VirtualServers`);

    // 2. Cold converge.
    const t0 = performance.now();
    const docs = [...Array.from({ length: N }, (_, i) => ({ kind: 'McpGateway' as const, body: gw(`gw-${i}`, upstreamFor(i)) })), ...Array.from({ length: N }, (_, i) => ({ kind: 'VirtualServer' as const, body: vs(`vs-${i}`, `gw-${i}`) }))];
    await pool(docs, 32, async (d) => {
      await createRetrying(kube, collectionPath(d.kind, NS), d.body);
    });
    const tApplied = performance.now();
    log(`created in ${((tApplied - t0) / 1000).toFixed(1)} s; waiting for Ready`);
    let lastLog = 0;
    while (readyAt.size < 2 * N) {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`${readyAt.size}/${2 * N} Ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      if (performance.now() - t0 > 3_600_000) throw new Error('bulk did not converge in 60 min');
      await sleep(200);
    }
    const bulkReadyS = (performance.now() - t0) / 1000;
    const served = (await admin.listServers()).filter((s) => s.toolCount === 2).length;
    await sleep(2_000);
    const m1 = await scrape(leader.metricsUrl);
    log(`converged in ${bulkReadyS.toFixed(1)} s; RSS ${mb(m1.get('mcp_gitops_operator_process_resident_memory_bytes'))}`);

    // 3. Latency of one apply, under that load.
    const latencies = { VirtualServer: [] as number[], McpGateway: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['VirtualServer', 'McpGateway'] as const) {
        const name = `lat-${i}`;
        const body = kind === 'VirtualServer' ? vs(name, 'gw-0') : gw(name, upstreams[0]!.url);
        const key = `${kind}/${name}`;
        const start = performance.now();
        await kube.request('POST', collectionPath(kind, NS), { body });
        while (!readyAt.has(key)) await sleep(2);
        latencies[kind].push(readyAt.get(key)! - start);
        await kube.request('DELETE', `${collectionPath(kind, NS)}/${name}`);
      }
    }
    while (watchers.some((w) => w.list().some((o) => o.metadata.name.startsWith('lat-')))) await sleep(200);

    // 4. Failover under load: a standby, changes streaming in, SIGTERM of the leader halfway.
    const standby = await startOperatorChild(root, cp.kubeconfigPath, proxy.adminUrl);
    operators.push(standby);
    await sleep(5_000); // its caches sync
    const names = Array.from({ length: Math.min(UPDATES, N) }, (_, i) => `vs-${i}`);
    let failoverAt = 0;
    let ledAt = 0;
    const watchLeader = (async () => {
      while (failoverAt === 0) await sleep(20);
      await waitLeader(standby, 120_000);
      ledAt = performance.now();
    })();
    await pool(names, 4, async (name) => {
      if (name === names[Math.floor(names.length / 2)]) {
        failoverAt = performance.now();
        void leader.stop();
      }
      const o = await kube.get<RawResource>(`${collectionPath('VirtualServer', NS)}/${name}`);
      changes.set(name, { generation: (o.metadata.generation ?? 1) + 1 });
      await kube.request('PATCH', `${collectionPath('VirtualServer', NS)}/${name}`, { body: { spec: { description: `changed during failover ${Date.now()}` } }, contentType: 'application/merge-patch+json' });
    });
    await watchLeader;
    const deadline = performance.now() + 120_000;
    while ([...changes.values()].some((c) => c.readyAt === undefined) && performance.now() < deadline) await sleep(100);
    const lost = [...changes.values()].filter((c) => c.readyAt === undefined).length;
    const allChangedAt = Math.max(...[...changes.values()].map((c) => c.readyAt ?? NaN));
    log(`failover: led after ${ms(ledAt - failoverAt)}, ${lost} lost`);

    // 5. No-op resync: a fresh operator over the converged state.
    const rvBefore = new Map(watchers.flatMap((w) => w.list().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion] as const)));
    await standby.stop();
    const stateBefore = await admin.getState();
    const tRestart = performance.now();
    const fresh = await startOperatorChild(root, cp.kubeconfigPath, proxy.adminUrl);
    operators.push(fresh);
    for (;;) {
      const m = await scrape(fresh.metricsUrl);
      if ((m.get('mcp_gitops_operator_reconcile_total') ?? 0) >= 2 * N) break;
      await sleep(250);
    }
    const resyncS = (performance.now() - tRestart) / 1000;
    await sleep(6_000); // at least one replica poll
    const m2 = await scrape(fresh.metricsUrl);
    const rvChanged = watchers.flatMap((w) => w.list()).filter((o) => rvBefore.get(`${o.kind}/${o.metadata.name}`) !== o.metadata.resourceVersion).length;
    const stateAfter = await admin.getState();

    const lv = sorted(latencies.VirtualServer);
    const lg = sorted(latencies.McpGateway);
    const heap = (m: Map<string, number>) => m.get('mcp_gitops_operator_nodejs_heap_size_used_bytes') ?? 0;
    const rss = (m: Map<string, number>) => m.get('mcp_gitops_operator_process_resident_memory_bytes');
    await Promise.all(watchers.map((w) => w.stop()));
    await kube.close();
    return [
      ['load average (1 min) at the start / end of the pass', `${loadAtStart.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`, ''],
      ['operator RSS idle (nothing to manage)', mb(rss(idle)), '≤ 80 MiB'],
      [`${2 * N} resources created (POST, 32 in flight)`, `${((tApplied - t0) / 1000).toFixed(1)} s`, ''],
      [`cold converge: ${2 * N} Ready, from the first create`, `${bulkReadyS.toFixed(1)} s`, ''],
      ['servers served by the proxy with their tools', `${served}/${N}`, `${N}/${N}`],
      [`operator RSS after converge (${2 * N} objects)`, mb(rss(m1)), N >= 10_000 ? '≤ 150 MiB' : ''],
      ['operator heap used after converge (no forced GC)', mb(heap(m1)), ''],
      ['heap per object ((converged − idle) / objects)', `${((heap(m1) - heap(idle)) / (2 * N) / 1024).toFixed(1)} KiB`, ''],
      [`VirtualServer apply→Ready p50 / p99 under load (${RUNS} runs)`, `${ms(pct(lv, 50))} / ${ms(pct(lv, 99))}`, 'p50 < 1 s'],
      [`McpGateway apply→Ready p50 / p99 under load (${RUNS} runs)`, `${ms(pct(lg, 50))} / ${ms(pct(lg, 99))}`, 'p50 < 1 s'],
      [`failover under load (SIGTERM of the leader, ${names.length} changes in flight): standby leads after`, ms(ledAt - failoverAt), ''],
      ['failover: every change Ready, from the SIGTERM', ms(allChangedAt - failoverAt), '≤ 15 s'],
      ['failover: changes lost (not Ready after 120 s)', `${lost}`, '0'],
      ['no-op resync (fresh operator): reconciles done in', `${resyncS.toFixed(1)} s`, ''],
      ['no-op resync: proxy writes / status writes / changed resourceVersions', `${m2.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${m2.get('mcp_gitops_operator_status_writes_total') ?? 0} / ${rvChanged}`, '0 / 0 / 0'],
      ['no-op resync: proxy state digest unchanged', `${stateBefore.digest === stateAfter.digest}`, 'true'],
      ['operator RSS after restart + resync', mb(rss(m2)), ''],
      ['bulk: reconciles / proxy writes / status writes', `${m1.get('mcp_gitops_operator_reconcile_total') ?? 0} / ${m1.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${m1.get('mcp_gitops_operator_status_writes_total') ?? 0}`, ''],
    ];
  } finally {
    for (const o of operators) await o.stop();
    await admin.close();
    await proxy.close();
    await Promise.all(upstreams.map((u) => u.close()));
    await cp.stop();
  }
}

/** A detached worktree of `ref` sharing this checkout's node_modules (the operator's dependencies did not change). */
function baselineCheckout(ref: string): string {
  const dir = join(tmpdir(), `mcp-gitops-bench-baseline-${ref.slice(0, 12)}`);
  if (!existsSync(dir)) execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, ref], { stdio: 'ignore' });
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function print(title: string, columns: string[], rows: string[][]): void {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}\n`);
  console.log(`| ${columns.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(`| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
}

const title = `operator benchmark — ${2 * N} objects (N=${N}), upstream origins=${UPSTREAMS}, concurrent=${CONCURRENT}, node ${process.version}, ${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
process.on('exit', () => {
  for (const b of bundles.values()) rmSync(dirname(b), { recursive: true, force: true });
});
if (BASELINE_REF) {
  const before = await pass(baselineCheckout(BASELINE_REF));
  const after = await pass(ROOT);
  print(title, ['measure', `before (${BASELINE_REF.slice(0, 7)})`, 'after', 'aim'], after.map((r, i) => [r[0], before[i]?.[1] ?? '', r[1], r[2]]));
} else {
  print(title, ['measure', 'result', 'aim'], await pass(ROOT));
}
