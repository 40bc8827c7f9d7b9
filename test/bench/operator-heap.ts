/**
 * Operator heap per managed object (a script, not a test): what the operator retains for each
 * McpGateway and VirtualServer it holds, and its RSS, the baseline commit's operator and this
 * checkout's measured side by side in the same run.
 *
 * Per pass: a real kube-apiserver, one real proxy in its own process (`scale/proxy-child.ts`) and
 * upstream MCP servers (our edge server, one per 40 gateways, in up to 4 processes: operator/upstreams.ts); the operator as the image runs it
 * (`operator-harness.ts`: the checkout's bundle, its Deployment's NODE_OPTIONS), with
 * `--heapsnapshot-signal=SIGUSR2` (a snapshot is taken after a full GC: what stays reachable).
 *
 * 1. Idle: an operator over the empty cluster, leading, caches synced → heap snapshot; stopped (a
 *    snapshot's own allocations would inflate the RSS measured next).
 * 2. A fresh operator: RSS idle; N McpGateways + N VirtualServers created; every one Ready; 5 s later
 *    RSS (and how much of it is anonymous) and heap used as the pod shows them → heap snapshot.
 * 3. A restart over the converged state: RSS once every object was reconciled again.
 *
 * The two snapshots summarised (`operator-heap-summary.ts`): retained bytes per object by the field
 * that holds them (`TargetSync.#desired`, `Reflector.#store`, …), by constructor, and duplicated strings.
 *
 * Env: OPHEAP_N (default 1000 → 2,000 objects), OPHEAP_BASELINE_REF (default dbd3b19; `none` = this
 * checkout only), OPHEAP_NODE_ARGS (`;`-separated sets of extra node flags, each one more pass of this
 * checkout, e.g. `--optimize-for-size;--max-old-space-size=64`), OPHEAP_CONCURRENT (16), OPHEAP_KEEP
 * (keep the snapshots, printing where). On a shared machine: `flock /work/notes/bench.lock nice -n 10 …`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRDS, crdFileName } from '../../src/api/crd.ts';
import { CRD_DIR } from '../../src/api/generate-crds.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { collectionPath } from '../../src/operator/objects.ts';
import { startControlPlane } from '../support/control-plane.ts';
import { gw, NS, pool, ReadinessWatch, vs } from './operator/objects.ts';
import { startUpstreams } from './operator/upstreams.ts';
import { diffSummaries, formatRows, summarizeSnapshot, type HeapSummary } from './operator-heap-summary.ts';
import { baselineCheckout, createRetrying, printTable, ROOT, scrape, startOperatorChild, waitLeader, type OperatorChild } from './operator-harness.ts';
import { ADMIN_TOKEN, startProxyChild } from './scale/proxy-child.ts';

const N = Number(process.env.OPHEAP_N ?? 1000);
const BASELINE_REF = process.env.OPHEAP_BASELINE_REF ?? 'dbd3b19';
const VARIANTS = (process.env.OPHEAP_NODE_ARGS ?? '').split(';').map((v) => v.trim()).filter(Boolean);
const CONCURRENT = Number(process.env.OPHEAP_CONCURRENT ?? 16);
const KEEP = process.env.OPHEAP_KEEP !== undefined;
/** Measure after this many seconds even if not every object is Ready (the replica, not the operator, may be what stalls at 20,000). */
const WAIT_S = Number(process.env.OPHEAP_WAIT_S ?? 3600);
const UPSTREAMS = Math.max(1, Math.ceil(N / 40));
const UPSTREAM_PROCESSES = Math.min(4, UPSTREAMS);

const log = (msg: string) => process.stderr.write(`[operator-heap] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const mb = (b: number) => `${(b / MiB).toFixed(0)} MiB`;

/** RSS and its anonymous part (the heap, malloc; not the binary's file-backed pages), from /proc. */
function memoryOf(pid: number): { rss: number; anon: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib('Rss'), anon: kib('Anonymous') };
}

/** SIGUSR2 → the snapshot file the operator wrote into `dir` (node writes it on its main thread: metrics answer once it is done). */
async function snapshotOf(op: OperatorChild, dir: string): Promise<string> {
  op.proc.kill('SIGUSR2');
  for (;;) {
    await sleep(500);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot'));
    if (!file) continue;
    await scrape(op.metricsUrl);
    return join(dir, file);
  }
}

/** An operator of `root` with the snapshot signal, its snapshots going to a fresh temp dir. */
async function operatorWithSnapshots(root: string, kubeconfig: string, proxyUrl: string, nodeArgs: string[]): Promise<{ op: OperatorChild; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gitops-opheap-'));
  const op = await startOperatorChild({ root, kubeconfig, proxyUrl, adminToken: ADMIN_TOKEN, concurrent: CONCURRENT, nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, ...nodeArgs] });
  await waitLeader(op);
  return { op, dir };
}

interface PassResult {
  label: string;
  rows: [string, string][];
  idle: HeapSummary;
  converged: HeapSummary;
}

async function pass(label: string, root: string, nodeArgs: string[]): Promise<PassResult> {
  const loadAtStart = loadavg()[0]!;
  log(`${label}: control plane, ${UPSTREAMS} upstreams, proxy; load ${loadAtStart.toFixed(1)}`);
  const cp = await startControlPlane();
  const upstreams = await startUpstreams(UPSTREAMS, UPSTREAM_PROCESSES);
  const proxy = await startProxyChild('proxy', ROOT);
  const dirs: string[] = [];
  const operators: OperatorChild[] = [];
  try {
    await cp.kubectl(['apply', '--server-side', ...CRDS.flatMap((s) => ['-f', join(CRD_DIR, crdFileName(s))])], { check: true });
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((s) => `crd/${s.names.plural}.mcp-gitops.dev`)], { check: true });
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    const kube = await KubeClient.connect(cp.kubeconfigPath);
    const ready = new ReadinessWatch(kube);
    await ready.start();

    // 1. Idle snapshot, from an operator of its own.
    const first = await operatorWithSnapshots(root, cp.kubeconfigPath, proxy.url, nodeArgs);
    operators.push(first.op);
    dirs.push(first.dir);
    await sleep(3_000);
    const idle = summarizeSnapshot(await snapshotOf(first.op, first.dir));
    await first.op.stop();

    // 2. Cold converge with a fresh operator.
    const measured = await operatorWithSnapshots(root, cp.kubeconfigPath, proxy.url, nodeArgs);
    operators.push(measured.op);
    dirs.push(measured.dir);
    await sleep(3_000);
    const idleMem = memoryOf(measured.op.proc.pid!);
    log(`${label}: idle RSS ${mb(idleMem.rss)}; creating ${N} McpGateways + ${N} VirtualServers`);
    const t0 = performance.now();
    const docs = [...Array.from({ length: N }, (_, i) => ({ kind: 'McpGateway' as const, body: gw(`gw-${i}`, upstreams.urlFor(i)) })), ...Array.from({ length: N }, (_, i) => ({ kind: 'VirtualServer' as const, body: vs(`vs-${i}`, `gw-${i}`) }))];
    await pool(docs, 32, (d) => createRetrying(kube, collectionPath(d.kind, NS), d.body));
    const createdS = (performance.now() - t0) / 1000;
    let lastLog = performance.now();
    let peakRss = 0;
    while (ready.readyAt.size < 2 * N) {
      peakRss = Math.max(peakRss, memoryOf(measured.op.proc.pid!).rss);
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        log(`${label}: ${ready.readyAt.size}/${2 * N} Ready after ${((performance.now() - t0) / 1000).toFixed(0)} s; RSS ${mb(memoryOf(measured.op.proc.pid!).rss)}`);
      }
      if (performance.now() - t0 > WAIT_S * 1000) break;
      await sleep(500);
    }
    const convergeS = (performance.now() - t0) / 1000;
    const readyCount = ready.readyAt.size;
    await sleep(5_000);
    const convergedMem = memoryOf(measured.op.proc.pid!);
    const m1 = await scrape(measured.op.metricsUrl);
    log(`${label}: converged in ${convergeS.toFixed(1)} s; RSS ${mb(convergedMem.rss)}; snapshot`);
    const converged = summarizeSnapshot(await snapshotOf(measured.op, measured.dir));
    await measured.op.stop();

    // 3. Restart over the converged state (only when it converged).
    if (readyCount < 2 * N) {
      await ready.stop();
      await kube.close();
      return { label, idle, converged, rows: rowsOf(readyCount, undefined, undefined, undefined) };
    }
    const fresh = await operatorWithSnapshots(root, cp.kubeconfigPath, proxy.url, nodeArgs);
    operators.push(fresh.op);
    dirs.push(fresh.dir);
    const tRestart = performance.now();
    while (((await scrape(fresh.op.metricsUrl)).get('mcp_gitops_operator_reconcile_total') ?? 0) < 2 * N) await sleep(250);
    const resyncS = (performance.now() - tRestart) / 1000;
    await sleep(6_000);
    const restartMem = memoryOf(fresh.op.proc.pid!);
    const m2 = await scrape(fresh.op.metricsUrl);
    await fresh.op.stop();
    await ready.stop();
    await kube.close();

    return { label, idle, converged, rows: rowsOf(readyCount, resyncS, restartMem, m2) };

    /** The pass's rows; the restart's are empty when the objects did not all become Ready. */
    function rowsOf(readyNow: number, resync: number | undefined, restart: { rss: number; anon: number } | undefined, after: Map<string, number> | undefined): [string, string][] {
      const perObject = (converged.totalBytes - idle.totalBytes) / (2 * N);
      return [
        ['load average (1 min) at the start / end of the pass', `${loadAtStart.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`],
        ['operator RSS idle (anonymous)', `${mb(idleMem.rss)} (${mb(idleMem.anon)})`],
        ['live heap idle (snapshot, after GC)', mb(idle.totalBytes)],
        [`${2 * N} created / Ready (all, or at the time of measuring)`, `${createdS.toFixed(1)} s / ${readyNow === 2 * N ? `${convergeS.toFixed(1)} s` : `${readyNow} after ${convergeS.toFixed(0)} s`}`],
        ['RSS peak while converging (sampled every 0.5 s)', mb(peakRss)],
        [`RSS after converge (anonymous)`, `${mb(convergedMem.rss)} (${mb(convergedMem.anon)})`],
        ['heap used after converge (no forced GC) / heap total', `${mb(m1.get('mcp_gitops_operator_nodejs_heap_size_used_bytes') ?? 0)} / ${mb(m1.get('mcp_gitops_operator_nodejs_heap_size_total_bytes') ?? 0)}`],
        ['live heap after converge (snapshot, after GC)', mb(converged.totalBytes)],
        ['live heap per object ((converged − idle) / objects)', `${(perObject / 1024).toFixed(2)} KiB`],
        ['restart: every object reconciled in', resync === undefined ? '' : `${resync.toFixed(1)} s`],
        ['RSS after restart + resync (anonymous)', restart === undefined ? '' : `${mb(restart.rss)} (${mb(restart.anon)})`],
        ['restart: proxy writes / status writes', after === undefined ? '' : `${after.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${after.get('mcp_gitops_operator_status_writes_total') ?? 0}`],
        ['bulk: reconciles / proxy writes / status writes', `${m1.get('mcp_gitops_operator_reconcile_total') ?? 0} / ${m1.get('mcp_gitops_operator_proxy_writes_total') ?? 0} / ${m1.get('mcp_gitops_operator_status_writes_total') ?? 0}`],
      ];
    }
  } finally {
    for (const o of operators) await o.stop();
    await proxy.stop();
    await upstreams.close();
    await cp.stop();
    if (KEEP) log(`${label}: snapshots kept in ${dirs.join(', ')}`);
    else for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

const title = `operator heap — ${2 * N} objects (N=${N}), upstream origins=${UPSTREAMS}, concurrent=${CONCURRENT}, node ${process.version}, ${cpus().length} cores, load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
const results: PassResult[] = [];
if (BASELINE_REF !== 'none') results.push(await pass(`before (${BASELINE_REF.slice(0, 7)})`, baselineCheckout(BASELINE_REF), []));
results.push(await pass('after', ROOT, []));
for (const v of VARIANTS) results.push(await pass(`after ${v}`, ROOT, v.split(/\s+/)));
printTable(title, ['measure', ...results.map((r) => r.label)], results[0]!.rows.map((row, i) => [row[0], ...results.map((r) => r.rows[i]?.[1] ?? '')]));
for (const r of results) {
  console.log(`\n## ${r.label}`);
  console.log(formatRows('retained bytes per object, by the field that holds them (idle → converged)', diffSummaries(r.idle.byOwner, r.converged.byOwner, 2 * N), 20));
  console.log(formatRows('self bytes per object, by constructor', diffSummaries(r.idle.byConstructor, r.converged.byConstructor, 2 * N), 20));
  console.log(formatRows('duplicated strings after converge (copies beyond the first)', r.converged.duplicateStrings, 12));
}
