/**
 * Operator benchmark (a script, not a test): `npm run bench:operator`.
 *
 * Against a real kube-apiserver, with one real proxy and one real upstream MCP server (our edge
 * server) in this process and the operator as a child process (so its memory is its own):
 *
 * 1. 1,000 McpGateways + 1,000 VirtualServers created at once → time until all are Ready (for their
 *    generation) and the proxy serves them (every server has its tools).
 * 2. Apply-to-Ready latency of one VirtualServer, and of one McpGateway, over N runs (p50/p99).
 * 3. Writes made by an operator restart with nothing changed (a full no-op resync): proxy writes and
 *    status writes, from the new operator's own metrics, plus resourceVersions compared.
 * 4. Operator memory (RSS, heap used) at that scale, from its /metrics.
 *
 * Env: BENCH_N (default 1000), BENCH_RUNS (default 100), BENCH_CONCURRENT (default 16).
 * Aims: 2,000 converged within 60 s; single apply-to-Ready p50 < 1 s; zero writes on a no-op resync.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { CRDS, crdFileName } from '../../src/api/crd.ts';
import { CRD_DIR } from '../../src/api/generate-crds.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { Reflector } from '../../src/operator/kube/reflector.ts';
import { collectionPath, type RawResource } from '../../src/operator/objects.ts';
import { AdminClient } from '../../src/contract/client.ts';
import { startProxy } from '../../src/proxy/start.ts';
import { startControlPlane } from '../support/control-plane.ts';
import { startEdgeServer } from '../support/upstreams/edge-server.ts';

const ROOT = join(fileURLToPath(import.meta.url), '../../..');
const N = Number(process.env.BENCH_N ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 16);
const NS = 'bench';
/**
 * Upstream servers (same edge server code, separate ports), so that no single-threaded test upstream
 * carries a thousand sessions. The proxy itself has no per-origin connection cap
 * (BENCH_UPSTREAMS=1 converges 300 gateways on one origin in under 8 s).
 */
const UPSTREAMS = Number(process.env.BENCH_UPSTREAMS ?? Math.max(1, Math.ceil(N / 40)));
const TOKEN = 'bench-admin-token-0123456789abcdef';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface OperatorChild {
  proc: ChildProcess;
  metricsUrl: string;
  stop(): Promise<void>;
}

async function startOperatorChild(kubeconfig: string, proxyUrl: string): Promise<OperatorChild> {
  const opts = { kubeconfig, adminToken: TOKEN, proxyUrl: [proxyUrl], concurrent: CONCURRENT, metricsBindAddress: '127.0.0.1:0', healthProbeBindAddress: '0' };
  const code = `
    import pino from 'pino';
    import { runOperator } from ${JSON.stringify(join(ROOT, 'src/operator/run.ts'))};
    const op = await runOperator(JSON.parse(process.env.BENCH_OPERATOR_OPTIONS), { logger: pino({ level: 'error' }) });
    process.stdout.write('METRICS ' + op.metricsUrl + '\\n');
    process.on('SIGTERM', () => op.stop().then(() => process.exit(0)));
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, BENCH_OPERATOR_OPTIONS: JSON.stringify(opts) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /METRICS (\S+)/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    proc.once('exit', (c) => reject(new Error(`operator exited ${c}`)));
  });
  return {
    proc,
    metricsUrl,
    stop: () => new Promise((resolve) => {
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

function isReady(o: RawResource): boolean {
  const c = (o.status?.conditions as { type: string; status: string }[] | undefined)?.find((x) => x.type === 'Ready');
  return c?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const gw = (name: string, url: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'McpGateway', metadata: { name, namespace: NS }, spec: { url, transport: 'StreamableHTTP', allowPrivateNetwork: true } });
const vs = (name: string, gateway: string) => ({ apiVersion: 'mcp-gitops.dev/v1alpha1', kind: 'VirtualServer', metadata: { name, namespace: NS }, spec: { tools: [{ gateway, include: ['echo', 'add'] }] } });

async function main(): Promise<void> {
  log('starting control plane');
  const cp = await startControlPlane();
  let operator: OperatorChild | undefined;
  const upstreams = await Promise.all(Array.from({ length: UPSTREAMS }, () => startEdgeServer()));
  const upstream = upstreams[0]!;
  const upstreamFor = (i: number) => upstreams[i % upstreams.length]!.url;
  const proxy = await startProxy({ port: 0, adminPort: 0, adminToken: TOKEN, agentAuth: { insecureNoAuth: true }, logger: pino({ level: 'silent' }), maxSessions: 100_000 });
  const admin = new AdminClient({ baseUrl: proxy.adminUrl, token: TOKEN, timeoutMs: 60_000 });
  try {
    await cp.kubectl(['apply', '--server-side', ...CRDS.flatMap((s) => ['-f', join(CRD_DIR, crdFileName(s))])], { check: true });
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    const kube = KubeClient.load(cp.kubeconfigPath);

    // Our own reflectors watch readiness (a watch, not polling, so latencies are exact).
    const readyAt = new Map<string, number>();
    const watchers = (['McpGateway', 'VirtualServer'] as const).map(
      (kind) =>
        new Reflector<RawResource>({
          client: kube,
          path: collectionPath(kind, NS),
          onChange: (type, o) => {
            const key = `${kind}/${o.metadata.name}`;
            if (type !== 'DELETED' && isReady(o) && !readyAt.has(key)) readyAt.set(key, performance.now());
            if (type === 'DELETED') readyAt.delete(key);
          },
        }),
    );
    await Promise.all(watchers.map((w) => w.start()));

    operator = await startOperatorChild(cp.kubeconfigPath, proxy.adminUrl);
    log(`operator running (concurrent=${CONCURRENT}); creating ${N} McpGateways + ${N} VirtualServers`);

    // 1. Bulk.
    const t0 = performance.now();
    const docs = [...Array.from({ length: N }, (_, i) => ({ kind: 'McpGateway' as const, body: gw(`gw-${i}`, upstreamFor(i)) })), ...Array.from({ length: N }, (_, i) => ({ kind: 'VirtualServer' as const, body: vs(`vs-${i}`, `gw-${i}`) }))];
    await pool(docs, 32, async (d) => {
      await kube.request('POST', collectionPath(d.kind, NS), { body: d.body });
    });
    const tApplied = performance.now();
    log(`created in ${((tApplied - t0) / 1000).toFixed(1)} s; waiting for Ready`);
    let lastLog = 0;
    for (;;) {
      const ready = [...readyAt.keys()].length;
      if (ready >= 2 * N) break;
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`${ready}/${2 * N} Ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      if (performance.now() - t0 > 600_000) throw new Error('bulk did not converge in 10 min');
      await new Promise((r) => setTimeout(r, 200));
    }
    const tReady = performance.now();
    const servers = await admin.listServers();
    const served = servers.filter((s) => s.toolCount === 2).length;
    const tServed = performance.now();
    const bulkReadyS = (tReady - t0) / 1000;
    const m1 = await scrape(operator.metricsUrl);

    // 2. Latency of one apply.
    const latencies = { VirtualServer: [] as number[], McpGateway: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['VirtualServer', 'McpGateway'] as const) {
        const name = `lat-${i}`;
        const body = kind === 'VirtualServer' ? vs(name, 'gw-0') : gw(name, upstream.url);
        const key = `${kind}/${name}`;
        const start = performance.now();
        await kube.request('POST', collectionPath(kind, NS), { body });
        while (!readyAt.has(key)) await new Promise((r) => setTimeout(r, 2));
        latencies[kind].push(readyAt.get(key)! - start);
        await kube.request('DELETE', `${collectionPath(kind, NS)}/${name}`);
      }
    }
    // Let the deletions finish before the resync measurement.
    for (;;) {
      const left = watchers.reduce((a, w) => a + w.list().filter((o) => o.metadata.name.startsWith('lat-')).length, 0);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    // 3. No-op resync: a fresh operator over the converged state.
    const rvBefore = new Map(watchers.flatMap((w) => w.list().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion] as const)));
    await operator.stop();
    const stateBefore = await admin.getState();
    const tRestart = performance.now();
    operator = await startOperatorChild(cp.kubeconfigPath, proxy.adminUrl);
    for (;;) {
      const m = await scrape(operator.metricsUrl);
      if ((m.get('mcp_gitops_operator_reconcile_total') ?? 0) >= 2 * N) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const resyncS = (performance.now() - tRestart) / 1000;
    await new Promise((r) => setTimeout(r, 6_000)); // at least one replica poll
    const m2 = await scrape(operator.metricsUrl);
    const rvChanged = watchers.flatMap((w) => w.list()).filter((o) => rvBefore.get(`${o.kind}/${o.metadata.name}`) !== o.metadata.resourceVersion).length;
    const stateAfter = await admin.getState();

    const mb = (b: number | undefined) => `${((b ?? 0) / 1024 / 1024).toFixed(0)} MiB`;
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const sort = (a: number[]) => [...a].sort((x, y) => x - y);
    const lv = sort(latencies.VirtualServer);
    const lg = sort(latencies.McpGateway);
    const rows: [string, string, string][] = [
      [`${2 * N} resources created (POST, 32 in flight)`, `${((tApplied - t0) / 1000).toFixed(1)} s`, ''],
      [`${2 * N} resources Ready (from first create)`, `${bulkReadyS.toFixed(1)} s`, '< 60 s'],
      ['servers served by the proxy with their tools', `${served}/${N} (checked at ${((tServed - t0) / 1000).toFixed(1)} s)`, `${N}/${N}`],
      [`VirtualServer apply→Ready p50 / p99 (${RUNS} runs)`, `${ms(pct(lv, 50))} / ${ms(pct(lv, 99))}`, 'p50 < 1 s'],
      [`McpGateway apply→Ready p50 / p99 (${RUNS} runs)`, `${ms(pct(lg, 50))} / ${ms(pct(lg, 99))}`, 'p50 < 1 s'],
      ['no-op resync (operator restart): reconciles done in', `${resyncS.toFixed(1)} s`, ''],
      ['no-op resync: proxy writes (PUT/DELETE/POST)', `${m2.get('mcp_gitops_operator_proxy_writes_total') ?? 0}`, '0'],
      ['no-op resync: status writes', `${m2.get('mcp_gitops_operator_status_writes_total') ?? 0}`, '0'],
      ['no-op resync: resources whose resourceVersion changed', `${rvChanged}`, '0'],
      ['no-op resync: proxy state digest unchanged', `${stateBefore.digest === stateAfter.digest}`, 'true'],
      [`operator RSS after bulk (${2 * N} objects)`, mb(m1.get('mcp_gitops_operator_process_resident_memory_bytes')), ''],
      ['operator heap used after bulk', mb(m1.get('mcp_gitops_operator_nodejs_heap_size_used_bytes')), ''],
      ['operator RSS after restart + resync', mb(m2.get('mcp_gitops_operator_process_resident_memory_bytes')), ''],
      ['bulk: reconciles / proxy writes / status writes', `${m1.get('mcp_gitops_operator_reconcile_total') ?? 0} / ${m1.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${m1.get('mcp_gitops_operator_status_writes_total') ?? 0}`, ''],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    console.log(`\noperator benchmark — N=${N}, upstream origins=${UPSTREAMS}, concurrent=${CONCURRENT}, node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
    console.log(`${'measure'.padEnd(w0)}  ${'result'.padEnd(w1)}  aim`);
    console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ---`);
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
    await Promise.all(watchers.map((w) => w.stop()));
  } finally {
    await operator?.stop();
    await admin.close();
    await proxy.close();
    await Promise.all(upstreams.map((u) => u.close()));
    await cp.stop();
  }
}

await main();
