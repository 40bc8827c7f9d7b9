/**
 * The proxy replica at the operator benchmark's scale, alone (a script, not a test):
 * `npm run bench:operator:proxy`. N gateways + N virtual servers PUT as the operator does, `GET
 * /v1/state` timed meanwhile, then the replica at rest (see `operator/proxy-at-scale.ts`) — first
 * with the proxy of BENCH_BASELINE_REF (default: none), then with this checkout's, each in a fresh
 * process against the same upstream processes; one table side by side.
 *
 * Env: BENCH_N (10000), BENCH_UPSTREAMS (N/40 origins), BENCH_UPSTREAM_PROCESSES (⌈N/2500⌉),
 * BENCH_REST_MS (30000), BENCH_BASELINE_REF, BENCH_PROXY_CPU_PROF (a directory: each proxy runs with
 * --cpu-prof and writes its profile there). Run it niced on a shared machine.
 */
import { baselineCheckout, ROOT } from './operator-harness.ts';
import { startProxyChild } from './scale/proxy-child.ts';
import { machineLoad, percentile } from './scale/stats.ts';
import { driveProxy, type ProxyAtScale } from './operator/proxy-at-scale.ts';
import { startUpstreams } from './operator/upstreams.ts';

const N = Number(process.env.BENCH_N ?? 10_000);
const UPSTREAMS = Number(process.env.BENCH_UPSTREAMS ?? Math.max(1, Math.ceil(N / 40)));
const UPSTREAM_PROCESSES = Number(process.env.BENCH_UPSTREAM_PROCESSES ?? Math.max(1, Math.ceil(N / 2500)));
const REST_MS = Number(process.env.BENCH_REST_MS ?? 30_000);
const BASELINE_REF = process.env.BENCH_BASELINE_REF;
const CPU_PROF = process.env.BENCH_PROXY_CPU_PROF;
const log = (m: string) => process.stderr.write(`[bench:operator:proxy] ${m}\n`);

const loads = [machineLoad()];
const runs: { label: string; result: ProxyAtScale }[] = [];
for (const [label, root] of [...(BASELINE_REF ? [[`before (${BASELINE_REF})`, baselineCheckout(BASELINE_REF)]] : []), ['after', ROOT]] as const) {
  const upstreams = await startUpstreams(UPSTREAMS, UPSTREAM_PROCESSES);
  const proxy = await startProxyChild(label, root, CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []);
  try {
    runs.push({ label, result: await driveProxy(proxy, N, upstreams.urlFor, REST_MS, log) });
  } finally {
    await proxy.stop(CPU_PROF ? 'SIGINT' : 'SIGKILL');
    await upstreams.close();
  }
  loads.push(machineLoad());
}

const ms = (xs: number[]) => {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return `${percentile(ok, 50).toFixed(0)} / ${Math.max(...ok).toFixed(0)} ms${ok.length < xs.length ? ` (${xs.length - ok.length} failed)` : ''}`;
};
const rows: [string, (r: ProxyAtScale) => string][] = [
  [`${N} gateway PUTs (16 in flight)`, (r) => `${r.gatewaysPutS.toFixed(1)} s`],
  [`${N} server PUTs (16 in flight)`, (r) => `${r.serversPutS.toFixed(1)} s`],
  ['every gateway discovered, from the first PUT', (r) => `${r.discoveredS.toFixed(1)} s`],
  ['proxy CPU until then', (r) => `${r.busyCpuS.toFixed(1)} s`],
  ['GET /v1/state meanwhile (every 5 s), p50 / max', (r) => ms(r.stateBusy)],
  [`at rest: CPU (share of one core, ${REST_MS / 1000} s)`, (r) => `${(r.restCpu * 100).toFixed(1)} %`],
  ['at rest: GET /v1/state p50 / max (20 in a row)', (r) => ms(r.stateRest)],
  ['RSS / heap used after GC', (r) => `${(r.rss / 2 ** 20).toFixed(0)} / ${(r.heapUsed / 2 ** 20).toFixed(0)} MiB`],
];
console.log(`\nbench:operator:proxy — ${N} gateways + ${N} servers, ${UPSTREAMS} upstream origins in ${UPSTREAM_PROCESSES} processes, node ${process.version}`);
console.log(`machine: ${loads.join(' → ')}\n`);
console.log(`| measure | ${runs.map((r) => r.label).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---').join('|')}|`);
for (const [what, f] of rows) console.log(`| ${what} | ${runs.map((r) => f(r.result)).join(' | ')} |`);
