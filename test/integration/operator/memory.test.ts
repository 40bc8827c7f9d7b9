/**
 * Issue 12's memory drill: the operator was OOMKilled territory at 1,000 McpGateways + 1,000
 * VirtualServers (441–460 MiB RSS against `limits.memory: 384Mi`). Here the operator runs as its pod
 * runs it — the image's bundle (split by command), the Deployment's node flags and environment, leader
 * election on — against a real kube-apiserver and a real proxy with real upstream MCP servers. All
 * 2,000 objects converge to Ready, and the operator's memory then is at most half the limit its
 * Deployment declares, so a limit derived from these measurements keeps its headroom.
 *
 * RSS counts node's own binary pages (shared, reclaimable page cache: 47–52 MiB here, more where the
 * kernel caches the file in 2 MiB folios); the test reads both RSS and the anonymous part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeClient, type KubeApiError } from '../../../src/kube/client.ts';
import { collectionPath, type RawResource } from '../../../src/operator/objects.ts';
import { buildBundle } from '../../support/bundle.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { deployedEnv, deployedNodeFlags } from '../../support/deployed-process.ts';
import { freePort } from '../../support/ports.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { ADMIN_TOKEN, condition, gatewayDoc, serverDoc, startCluster, startTestProxy, stopTestProxy, type TestProxy } from './harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn(`memory.test.ts skipped: no control plane in ${assetsDir()} (hack/build-control-plane.sh)`);

const ROOT = join(import.meta.dirname, '../../..');
const NS = 'memory';
const N = 1_000;
/** Upstream servers, 40 gateway sessions each (as bench:operator spreads them). */
const UPSTREAMS = 25;

/** `limits.memory` of the operator Deployment, in MiB. */
function deploymentLimitMiB(): number {
  const d = parse(readFileSync(join(ROOT, 'manifests/operator/deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Array<{ resources: { limits: { memory: string } } }> } } } };
  const limit = d.spec.template.spec.containers[0]!.resources.limits.memory;
  const m = /^(\d+)Mi$/.exec(limit);
  if (!m) throw new Error(`operator limits.memory ${limit}: expected <n>Mi`);
  return Number(m[1]);
}

/** RSS and its anonymous part of process `pid`, in MiB. */
function memoryOf(pid: number): { rss: number; anonymous: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const mib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)![1]) / 1024;
  return { rss: mib('Rss'), anonymous: mib('Anonymous') };
}

async function createAll(kube: KubeClient, docs: Array<{ path: string; body: object }>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < docs.length) {
        const d = docs[next++]!;
        for (let attempt = 1; ; attempt++) {
          try {
            await kube.request('POST', d.path, { body: d.body });
            break;
          } catch (err) {
            const status = (err as KubeApiError).status;
            if (attempt > 1 && status === 409) break; // an earlier try got through
            if (attempt >= 5 || !(status === 0 || status === 429 || status >= 500)) throw err;
            await new Promise((r) => setTimeout(r, 1_000));
          }
        }
      }
    }),
  );
}

async function readyCount(kube: KubeClient, kind: 'McpGateway' | 'VirtualServer'): Promise<number> {
  const list = await kube.get<{ items: RawResource[] }>(collectionPath(kind, NS));
  return list.items.filter((o) => condition(o as never, 'Ready')?.status === 'True' && o.status?.observedGeneration === o.metadata.generation).length;
}

describe.skipIf(!available)('operator memory at 1,000 McpGateways + 1,000 VirtualServers, as its pod runs it', () => {
  let cp: ControlPlane;
  let kube: KubeClient;
  let proxy: TestProxy;
  let upstreams: EdgeServer[] = [];
  let operator: ChildProcess | undefined;
  let bundleDir: string;

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    kube = await KubeClient.connect(cp.kubeconfigPath);
    upstreams = await Promise.all(Array.from({ length: UPSTREAMS }, () => startEdgeServer()));
    proxy = await startTestProxy(0, { maxSessions: 100_000 });
    bundleDir = mkdtempSync(join(tmpdir(), 'operator-memory-'));
    const bundle = buildBundle(ROOT, bundleDir);
    const metricsPort = await freePort();
    operator = spawn(
      process.execPath,
      [
        ...deployedNodeFlags(ROOT, 'operator'),
        bundle,
        'operator',
        `--kubeconfig=${cp.kubeconfigPath}`,
        `--proxy-url=${proxy.adminUrl}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        '--health-probe-bind-address=0',
        '--leader-elect',
        '--leader-election-namespace=default',
        '--allow-private-network-namespace=*',
        '--allow-plain-http-namespace=*',
      ],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, MCP_GITOPS_ADMIN_TOKEN: ADMIN_TOKEN, MCP_GITOPS_LOG_LEVEL: 'error', ...deployedEnv(ROOT, 'operator') }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }, 120_000);

  afterAll(async () => {
    operator?.kill('SIGKILL');
    await kube?.close();
    if (proxy) await stopTestProxy(proxy);
    await Promise.all(upstreams.map((u) => u.close()));
    await cp?.stop();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  it('converges all 2,000 objects to Ready and then holds at most half its Deployment’s memory limit', async () => {
    await createAll(kube, [
      ...Array.from({ length: N }, (_, i) => ({ path: collectionPath('McpGateway', NS), body: gatewayDoc(NS, `gw-${i}`, upstreams[i % UPSTREAMS]!.url) })),
      ...Array.from({ length: N }, (_, i) => ({ path: collectionPath('VirtualServer', NS), body: serverDoc(NS, `vs-${i}`, [{ gateway: `gw-${i}`, include: ['echo', 'add'] }]) })),
    ]);
    const deadline = Date.now() + 400_000;
    for (;;) {
      const [gateways, servers] = [await readyCount(kube, 'McpGateway'), await readyCount(kube, 'VirtualServer')];
      if (gateways === N && servers === N) break;
      if (Date.now() > deadline) throw new Error(`not converged: ${gateways}/${N} McpGateways and ${servers}/${N} VirtualServers Ready`);
      expect(operator!.exitCode, 'the operator is still running').toBeNull();
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await new Promise((r) => setTimeout(r, 5_000)); // the status writes and events of the last reconciles are done
    const { rss, anonymous } = memoryOf(operator!.pid!);
    const limit = deploymentLimitMiB();
    console.log(`operator after converging ${2 * N} objects: RSS ${rss.toFixed(1)} MiB (anonymous ${anonymous.toFixed(1)}), Deployment limit ${limit} MiB`);
    expect(rss).toBeLessThanOrEqual(limit / 2);
  }, 600_000);
});
