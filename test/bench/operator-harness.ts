/**
 * What the operator benchmarks (`operator.bench.ts`, `operator-heap.ts`) share.
 *
 * The operator as the image runs it — checkout `root`'s CLI bundled by its own
 * `build:bundle` script (test/support/bundle.ts), `node cli.js operator …` with the node flags and the
 * environment its Deployment gives it (its command's flags, `NODE_OPTIONS`, `MALLOC_ARENA_MAX` from
 * manifests/operator/deployment.yaml) — in a child process, so
 * its memory is its own; its metrics; a baseline commit's checkout to run side by side; and the
 * cluster side: POSTs that survive an overloaded API server, "Ready for its generation".
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeApiError, KubeClient } from '../../src/kube/client.ts';
import type { RawResource } from '../../src/operator/objects.ts';
import { buildBundle } from '../support/bundle.ts';
import { deployedEnv, deployedNodeFlags } from './scale/proxy-child.ts';

/** This checkout. */
export const ROOT = join(fileURLToPath(import.meta.url), '../../..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface OperatorChild {
  proc: ChildProcess;
  metricsUrl: string;
  /** SIGTERM (graceful: releases the Lease); resolves on exit. */
  stop(): Promise<void>;
}

export interface OperatorChildOptions {
  /** The checkout whose operator runs (this one, or a `baselineCheckout`). */
  root: string;
  kubeconfig: string;
  /** Admin URL of the proxy replica (`--proxy-url`). */
  proxyUrl: string;
  /** The proxy's admin token (`MCP_GITOPS_ADMIN_TOKEN`). */
  adminToken: string;
  /** `--concurrent`. */
  concurrent: number;
  /** `MCP_GITOPS_LOG_LEVEL`. Default `error`. */
  logLevel?: string;
  /** Node flags after the Deployment's (`--heapsnapshot-signal=SIGUSR2`, a V8 flag to compare). */
  nodeArgs?: string[];
}

const bundles = new Map<string, string>();
process.on('exit', () => {
  for (const b of bundles.values()) rmSync(dirname(b), { recursive: true, force: true });
});

/** Checkout `root`'s CLI as its `build:bundle` script builds it (test/support/bundle.ts), once per checkout, in a temp directory removed at exit. */
export function operatorBundle(root: string): string {
  let out = bundles.get(root);
  if (!out) bundles.set(root, (out = buildBundle(root, join(tmpdir(), `mcp-gitops-bench-operator-${bundles.size}-${process.pid}`))));
  return out;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts the operator of `o.root` with leader election on; resolves once its metrics endpoint answers. */
export async function startOperatorChild(o: OperatorChildOptions): Promise<OperatorChild> {
  const port = await freePort();
  const flags = [
    `--kubeconfig=${o.kubeconfig}`,
    `--proxy-url=${o.proxyUrl}`,
    `--concurrent=${o.concurrent}`,
    `--metrics-bind-address=127.0.0.1:${port}`,
    '--health-probe-bind-address=0',
    '--leader-elect',
    '--leader-election-namespace=default',
    '--allow-private-network-namespace=*',
    '--allow-plain-http-namespace=*',
  ];
  // With what the checkout's operator Deployment sets for node (its command's node flags, NODE_OPTIONS, MALLOC_ARENA_MAX), as in a pod.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, MCP_GITOPS_ADMIN_TOKEN: o.adminToken, MCP_GITOPS_LOG_LEVEL: o.logLevel ?? 'error', ...deployedEnv(o.root, 'operator') };
  const proc = spawn(process.execPath, [...deployedNodeFlags(o.root, 'operator'), ...(o.nodeArgs ?? []), operatorBundle(o.root), 'operator', ...flags], { cwd: o.root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const metricsUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => proc.once('exit', (c) => reject(new Error(`operator exited ${c}`))));
  exited.catch(() => undefined); // a later exit (SIGTERM in a failover) is expected
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

/** The operator's metrics, summed over labels, by name. */
export async function scrape(metricsUrl: string): Promise<Map<string, number>> {
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

export async function waitLeader(op: OperatorChild, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await scrape(op.metricsUrl)).get('mcp_gitops_operator_leader') !== 1) {
    if (Date.now() > deadline) throw new Error('the operator did not lead');
    await sleep(100);
  }
}

/** A detached worktree of `ref` sharing this checkout's node_modules (the operator's dependencies did not change). */
export function baselineCheckout(ref: string): string {
  const dir = join(tmpdir(), `mcp-gitops-bench-baseline-${ref.slice(0, 12)}`);
  if (!existsSync(dir)) execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, ref], { stdio: 'ignore' });
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Ready=True for the object's current generation. */
export function isReady(o: RawResource): boolean {
  const c = (o.status?.conditions as { type: string; status: string }[] | undefined)?.find((x) => x.type === 'Ready');
  return c?.status === 'True' && o.status?.observedGeneration === o.metadata.generation;
}

/**
 * POST that survives an API server overloaded by the machine's load (a reset connection, 429, 5xx):
 * up to 10 tries, 1 s apart; AlreadyExists after a retry means an earlier try got through.
 */
export async function createRetrying(kube: KubeClient, path: string, body: unknown): Promise<void> {
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

/** A Markdown table on stdout under `title`, columns padded. */
export function printTable(title: string, columns: string[], rows: string[][]): void {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  console.log(`\n${title}\n`);
  console.log(`| ${columns.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(`| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
}
