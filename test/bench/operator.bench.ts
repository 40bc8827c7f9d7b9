/**
 * Operator benchmark (a script, not a test): `npm run bench:operator`.
 *
 * Against a real kube-apiserver, every part in its own process so each one's memory and CPU are its
 * own and none starves the others: the operator (`operator/operator-child.ts`: the checkout's
 * esbuild bundle with its Deployment's node flags, leader election on), one proxy replica
 * (`scale/proxy-child.ts`: the checkout's proxy with its Deployment's node flags), and the upstream
 * MCP servers (`operator/upstreams.ts`: our edge server, N/40 origins over ⌈N/2500⌉ processes).
 * This process only creates objects, watches them and measures:
 *
 * 1. Idle: operator RSS and heap with nothing to manage (caches synced, leading).
 * 2. Cold converge: N McpGateways + N VirtualServers created at once → time until all are Ready (for
 *    their generation); operator RSS and heap after it; heap per object. Meanwhile the proxy's
 *    `GET /v1/state` (the operator's poll) is timed every 5 s, and its CPU counted.
 * 3. The proxy at rest holding N gateways (N upstream sessions, health-checked every 30 s): CPU,
 *    RSS, heap after GC, `GET /v1/state` p50/max.
 * 4. Apply→Ready latency of one VirtualServer and of one McpGateway under that load (p50/p99).
 * 5. Failover under load: a standby waits; BENCH_UPDATES VirtualServers are changed while the leader
 *    gets SIGTERM halfway through → time until the standby leads, time until every change is Ready,
 *    changes never converged ("lost").
 * 6. No-op resync: a fresh operator over the converged state → proxy writes, status writes, changed
 *    resourceVersions (all should be 0); RSS after it.
 *
 * Env: BENCH_N (default 1000 → 2,000 objects), BENCH_RUNS (100), BENCH_CONCURRENT (16),
 * BENCH_UPDATES (100), BENCH_UPSTREAMS (origins, N/40), BENCH_UPSTREAM_PROCESSES (⌈N/2500⌉),
 * BENCH_LOG (the operators' log level, default error), BENCH_PROXY_CPU_PROF (a directory: the
 * proxy runs with --cpu-prof and writes its profile there at the end), BENCH_BASELINE_REF (a git
 * commit: run the whole benchmark first with that commit's operator and proxy, from a detached
 * worktree, and print both side by side).
 *
 * The machine's load changes every time: each pass prints the 1-minute load average at its start and
 * end. On a shared machine run it niced, when the load is lowest: `nice -n 10 npm run bench:operator`.
 * 20,000 objects: `BENCH_N=10000` (about 20–40 min per pass on 2 cores at load ≈ 2).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { CRDS, crdFileName } from '../../src/api/crd.ts';
import { CRD_DIR } from '../../src/api/generate-crds.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { collectionPath, type RawResource } from '../../src/operator/objects.ts';
import { startControlPlane } from '../support/control-plane.ts';
import { baselineCheckout, createRetrying, printTable, ROOT, scrape, startOperatorChild, waitLeader, type OperatorChild } from './operator-harness.ts';
import { gw, intervals, NS, pool, ReadinessWatch, vs } from './operator/objects.ts';
import { cpuMsOf, rssOf, sampleState, timeState } from './operator/proxy-probe.ts';
import { startUpstreams } from './operator/upstreams.ts';
import { ADMIN_TOKEN, startProxyChild } from './scale/proxy-child.ts';
import { percentile, sleep } from './scale/stats.ts';

const N = Number(process.env.BENCH_N ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 16);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 100);
const BASELINE_REF = process.env.BENCH_BASELINE_REF;
const CPU_PROF = process.env.BENCH_PROXY_CPU_PROF;
/** Upstream origins (same edge server code, separate ports), so no origin carries thousands of sessions. */
const UPSTREAMS = Number(process.env.BENCH_UPSTREAMS ?? Math.max(1, Math.ceil(N / 40)));
const UPSTREAM_PROCESSES = Number(process.env.BENCH_UPSTREAM_PROCESSES ?? Math.max(1, Math.ceil(N / 2500)));
/** How long the proxy is watched at rest: one health-check interval (30 s default). */
const REST_MS = 30_000;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

type Row = [measure: string, result: string, aim: string];

const mb = (b: number | undefined) => `${((b ?? 0) / 1024 / 1024).toFixed(0)} MiB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
/** "p50 / max (k failed)" of request durations, NaN = failed. */
function durations(samples: number[]): string {
  const ok = samples.filter((x) => !Number.isNaN(x));
  const failed = samples.length - ok.length;
  return `${ms(percentile(ok, 50))} / ${ms(Math.max(...ok))}${failed ? ` (${failed} failed)` : ''} (${samples.length} polls)`;
}

/** The whole benchmark with the operator and proxy of checkout `root`; resolves its rows. */
async function pass(root: string): Promise<Row[]> {
  const loadAtStart = loadavg()[0]!;
  log(`starting control plane, ${UPSTREAMS} upstream origins in ${UPSTREAM_PROCESSES} processes, proxy and operator from ${root}; load average ${loadAtStart.toFixed(1)}`);
  const cp = await startControlPlane();
  const operators: OperatorChild[] = [];
  const upstreams = await startUpstreams(UPSTREAMS, UPSTREAM_PROCESSES);
  const proxy = await startProxyChild('proxy', root, CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []);
  try {
    await cp.kubectl(['apply', '--server-side', ...CRDS.flatMap((s) => ['-f', join(CRD_DIR, crdFileName(s))])], { check: true });
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    const kube = await KubeClient.connect(cp.kubeconfigPath);
    const watch = new ReadinessWatch(kube);
    await watch.start();

    // 1. Idle.
    const leader = await startOperatorChild({ root, kubeconfig: cp.kubeconfigPath, proxyUrl: proxy.url, adminToken: ADMIN_TOKEN, concurrent: CONCURRENT, ...(process.env.BENCH_LOG ? { logLevel: process.env.BENCH_LOG } : {}) });
    operators.push(leader);
    await waitLeader(leader);
    await sleep(3_000);
    const idle = await scrape(leader.metricsUrl);
    const proxyIdleRss = rssOf(proxy.pid);
    const proxyIdleHeap = (await proxy.ask('heap')).heapUsed;
    log(`idle: operator RSS ${mb(idle.get('mcp_gitops_operator_process_resident_memory_bytes'))}, proxy RSS ${mb(proxyIdleRss)}; creating ${N} McpGateways + ${N} VirtualServers`);

    // 2. Cold converge.
    const t0 = performance.now();
    const proxyCpu0 = cpuMsOf(proxy.pid);
    const statePolls = sampleState(proxy);
    const docs = [...Array.from({ length: N }, (_, i) => ({ kind: 'McpGateway' as const, body: gw(`gw-${i}`, upstreams.urlFor(i)) })), ...Array.from({ length: N }, (_, i) => ({ kind: 'VirtualServer' as const, body: vs(`vs-${i}`, `gw-${i}`) }))];
    await pool(docs, 32, async (d) => {
      await createRetrying(kube, collectionPath(d.kind, NS), d.body);
    });
    const tApplied = performance.now();
    log(`created in ${((tApplied - t0) / 1000).toFixed(1)} s; waiting for Ready`);
    let lastLog = 0;
    while (watch.readyAt.size < 2 * N) {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`${watch.readyAt.size}/${2 * N} Ready after ${((performance.now() - t0) / 1000).toFixed(1)} s; proxy RSS ${mb(rssOf(proxy.pid))}, CPU ${((cpuMsOf(proxy.pid) - proxyCpu0) / 1000).toFixed(0)} s`);
      }
      if (performance.now() - t0 > 3_600_000) throw new Error('bulk did not converge in 60 min');
      await sleep(200);
    }
    const bulkReadyS = (performance.now() - t0) / 1000;
    const proxyBulkCpuS = (cpuMsOf(proxy.pid) - proxyCpu0) / 1000;
    const bulkStatePolls = await statePolls.stop();
    const served = ((await proxy.admin('GET', '/v1/servers')) as { toolCount: number }[]).filter((s) => s.toolCount === 2).length;
    await sleep(2_000);
    const m1 = await scrape(leader.metricsUrl);
    log(`converged in ${bulkReadyS.toFixed(1)} s; operator RSS ${mb(m1.get('mcp_gitops_operator_process_resident_memory_bytes'))}`);

    // 3. The proxy at rest with N gateways: health checks only (the operator polls /state every 5 s).
    const restCpu0 = cpuMsOf(proxy.pid);
    const restStart = performance.now();
    await sleep(REST_MS);
    const proxyRestCpu = (cpuMsOf(proxy.pid) - restCpu0) / (performance.now() - restStart);
    const restState: number[] = [];
    let stateEntries = 0;
    for (let i = 0; i < 20; i++) {
      const s = await timeState(proxy);
      restState.push(s.ms);
      stateEntries = s.entries;
    }
    const proxyRss = rssOf(proxy.pid);
    const proxyHeap = await proxy.ask('heap');
    const upstreamRss = upstreams.pids.reduce((sum, pid) => sum + rssOf(pid), 0);
    log(`proxy at rest: CPU ${(proxyRestCpu * 100).toFixed(0)} % of a core, RSS ${mb(proxyRss)}, GET /v1/state ${durations(restState)}`);

    // 4. Latency of one apply, under that load.
    const latencies = { VirtualServer: [] as number[], McpGateway: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ['VirtualServer', 'McpGateway'] as const) {
        const name = `lat-${i}`;
        const body = kind === 'VirtualServer' ? vs(name, 'gw-0') : gw(name, upstreams.urlFor(0));
        const key = `${kind}/${name}`;
        const start = performance.now();
        await kube.request('POST', collectionPath(kind, NS), { body });
        while (!watch.readyAt.has(key)) await sleep(2);
        latencies[kind].push(watch.readyAt.get(key)! - start);
        await kube.request('DELETE', `${collectionPath(kind, NS)}/${name}`);
      }
    }
    while (watch.list().some((o) => o.metadata.name.startsWith('lat-'))) await sleep(200);

    // 5. Failover under load: a standby, changes streaming in, SIGTERM of the leader halfway.
    const standby = await startOperatorChild({ root, kubeconfig: cp.kubeconfigPath, proxyUrl: proxy.url, adminToken: ADMIN_TOKEN, concurrent: CONCURRENT, ...(process.env.BENCH_LOG ? { logLevel: process.env.BENCH_LOG } : {}) });
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
      watch.changes.set(name, { generation: (o.metadata.generation ?? 1) + 1 });
      await kube.request('PATCH', `${collectionPath('VirtualServer', NS)}/${name}`, { body: { spec: { description: `changed during failover ${Date.now()}` } }, contentType: 'application/merge-patch+json' });
    });
    await watchLeader;
    const deadline = performance.now() + 120_000;
    while ([...watch.changes.values()].some((c) => c.readyAt === undefined) && performance.now() < deadline) await sleep(100);
    const lost = [...watch.changes.values()].filter((c) => c.readyAt === undefined).length;
    const allChangedAt = Math.max(...[...watch.changes.values()].map((c) => c.readyAt ?? NaN));
    log(`failover: led after ${ms(ledAt - failoverAt)}, ${lost} lost`);

    // 6. No-op resync: a fresh operator over the converged state.
    const rvBefore = new Map(watch.list().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion] as const));
    await standby.stop();
    const digestBefore = ((await proxy.admin('GET', '/v1/state')) as { digest: string }).digest;
    const tRestart = performance.now();
    const fresh = await startOperatorChild({ root, kubeconfig: cp.kubeconfigPath, proxyUrl: proxy.url, adminToken: ADMIN_TOKEN, concurrent: CONCURRENT, ...(process.env.BENCH_LOG ? { logLevel: process.env.BENCH_LOG } : {}) });
    operators.push(fresh);
    for (;;) {
      const m = await scrape(fresh.metricsUrl);
      if ((m.get('mcp_gitops_operator_reconcile_total') ?? 0) >= 2 * N) break;
      await sleep(250);
    }
    const resyncS = (performance.now() - tRestart) / 1000;
    await sleep(6_000); // at least one replica poll
    const m2 = await scrape(fresh.metricsUrl);
    const rvChanged = watch.list().filter((o) => rvBefore.get(`${o.kind}/${o.metadata.name}`) !== o.metadata.resourceVersion).length;
    const digestAfter = ((await proxy.admin('GET', '/v1/state')) as { digest: string }).digest;

    const lv = latencies.VirtualServer;
    const lg = latencies.McpGateway;
    const heap = (m: Map<string, number>) => m.get('mcp_gitops_operator_nodejs_heap_size_used_bytes') ?? 0;
    const rss = (m: Map<string, number>) => m.get('mcp_gitops_operator_process_resident_memory_bytes');
    await watch.stop();
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
      ['proxy: GET /v1/state during the bulk, p50 / max (every 5 s)', durations(bulkStatePolls), ''],
      ['proxy: CPU during the bulk (share of one core)', `${proxyBulkCpuS.toFixed(0)} s (${((proxyBulkCpuS / bulkReadyS) * 100).toFixed(0)} %)`, ''],
      [`proxy at rest, ${N} gateways / upstream sessions: CPU (share of one core, ${REST_MS / 1000} s)`, `${(proxyRestCpu * 100).toFixed(1)} %`, ''],
      [`proxy at rest: GET /v1/state p50 / max (${stateEntries} entries)`, durations(restState), ''],
      ['proxy RSS idle / after converge', `${mb(proxyIdleRss)} / ${mb(proxyRss)}`, '≤ 512 MiB (limit)'],
      ['proxy heap used after converge (after GC) / per gateway + its server ((converged − idle) / N)', `${mb(proxyHeap.heapUsed)} / ${((proxyHeap.heapUsed - proxyIdleHeap) / N / 1024).toFixed(1)} KiB`, ''],
      [`upstream servers' RSS (${UPSTREAM_PROCESSES} processes, not ours to limit)`, mb(upstreamRss), ''],
      [`VirtualServer apply→Ready p50 / p99 under load (${RUNS} runs)`, `${ms(percentile(lv, 50))} / ${ms(percentile(lv, 99))}`, 'p50 < 1 s'],
      [`McpGateway apply→Ready p50 / p99 under load (${RUNS} runs)`, `${ms(percentile(lg, 50))} / ${ms(percentile(lg, 99))}`, 'p50 < 1 s'],
      [`failover under load (SIGTERM of the leader, ${names.length} changes in flight): standby leads after`, ms(ledAt - failoverAt), ''],
      ['failover: every change Ready, from the SIGTERM', ms(allChangedAt - failoverAt), '≤ 15 s'],
      ['failover: changes lost (not Ready after 120 s)', `${lost}`, '0'],
      ['no-op resync (fresh operator): reconciles done in', `${resyncS.toFixed(1)} s`, ''],
      ['no-op resync: proxy writes / status writes / changed resourceVersions', `${m2.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${m2.get('mcp_gitops_operator_status_writes_total') ?? 0} / ${rvChanged}`, '0 / 0 / 0'],
      ['no-op resync: proxy state digest unchanged', `${digestBefore === digestAfter}`, 'true'],
      ['operator RSS after restart + resync', mb(rss(m2)), ''],
      ['bulk: reconciles / proxy writes / status writes', `${m1.get('mcp_gitops_operator_reconcile_total') ?? 0} / ${m1.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${m1.get('mcp_gitops_operator_status_writes_total') ?? 0}`, ''],
    ];
  } finally {
    for (const o of operators) await o.stop();
    await proxy.stop(CPU_PROF ? 'SIGINT' : 'SIGKILL');
    await upstreams.close();
    await cp.stop();
  }
}

const title = `operator benchmark — ${2 * N} objects (N=${N}), upstream origins=${UPSTREAMS} in ${UPSTREAM_PROCESSES} processes, concurrent=${CONCURRENT}, gateways: ${intervals}, node ${process.version}, ${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
if (BASELINE_REF) {
  const before = await pass(baselineCheckout(BASELINE_REF));
  const after = await pass(ROOT);
  printTable(title, ['measure', `before (${BASELINE_REF.slice(0, 7)})`, 'after', 'aim'], after.map((r, i) => [r[0], before[i]?.[1] ?? '', r[1], r[2]]));
} else {
  printTable(title, ['measure', 'result', 'aim'], await pass(ROOT));
}
