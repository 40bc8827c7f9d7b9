/**
 * A proxy rollout is not an outage (issue 12 item 2): a rolling restart of three real proxy
 * replicas, found through the proxy Service's EndpointSlices, with maxUnavailable 1 / maxSurge 0 as
 * the Deployment controller does it — the test plays the EndpointSlice controller, one replica at a
 * time: terminating → gone → a new pod, not ready → (the operator syncs it; it turns ready) → ready.
 *
 * Counted over the whole rollout, from a watch on every resource: `Ready` flips (goal 0) and status
 * writes that change anything but `status.replicas` (goal 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/kube/client.ts';
import { Reflector } from '../../../src/operator/kube/reflector.ts';
import { collectionPath, type RawResource } from '../../../src/operator/objects.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { statusEqual } from '../../../src/reconcile/status.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { apply, condition, eventually, gatewayDoc, serverDoc, startCluster, startTestOperator, startTestProxy, stopTestProxy, type Cond, type TestProxy } from './harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn(`rollout.test.ts skipped: no control plane in ${assetsDir()} (hack/build-control-plane.sh)`);

const NS = 'rollout';
const N = 10;

type Status = { conditions?: Cond[]; replicas?: { endpoint: string; synced: boolean; ready?: boolean }[] };

/** One replica's EndpointSlice (FQDN under .localhost: the API server refuses loopback IPs). */
function slice(name: string, port: number, conditions: { ready: boolean; serving?: boolean; terminating?: boolean }) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': 'proxy' } },
    addressType: 'FQDN',
    endpoints: [{ addresses: [`${name}.localhost`], conditions }],
    ports: [{ name: 'admin', port, protocol: 'TCP' }],
  };
}

describe.skipIf(!available)('a rolling restart of the proxy', () => {
  let cp: ControlPlane;
  let upstream: EdgeServer;
  let op: OperatorHandle | undefined;
  const replicas = new Map<string, TestProxy>();
  /** Every watched resource (set once the test's watchers run). */
  let all: () => RawResource[] = () => [];

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    upstream = await startEdgeServer();
    await apply(cp, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'proxy', namespace: NS }, spec: { ports: [{ name: 'admin', port: 4445 }] } });
  });

  afterAll(async () => {
    await op?.stop();
    for (const p of replicas.values()) await stopTestProxy(p).catch(() => undefined);
    await upstream?.close();
    await cp?.stop();
  });

  /** A new replica pod: started, in the Service but not ready; ready once the operator synced it. */
  async function addReplica(name: string): Promise<void> {
    const p = await startTestProxy();
    replicas.set(name, p);
    await apply(cp, slice(name, p.adminPort, { ready: false, serving: false }));
    await eventually(async () => (await p.admin.getState()).ready, 20_000, `${name} synced by the operator (its /ready turns 200)`);
    await apply(cp, slice(name, p.adminPort, { ready: true, serving: true }));
  }

  /** An old replica pod going away: terminating (out of rotation), the operator has seen it, stopped, gone. */
  async function removeReplica(name: string): Promise<void> {
    const p = replicas.get(name)!;
    await apply(cp, slice(name, p.adminPort, { ready: false, serving: true, terminating: true }));
    // The preStop pause of manifests/proxy/deployment.yaml: the operator has acted on it (no resource
    // lists the replica any more) before SIGTERM.
    await eventually(() => all().every((o) => !((o.status as Status | undefined)?.replicas ?? []).some((r) => new URL(r.endpoint).hostname === `${name}.localhost`)), 30_000, `${name} dropped from every status`);
    await op!.idle();
    await stopTestProxy(p);
    replicas.delete(name);
    await cp.kubectl(['delete', '-n', NS, `endpointslice/${name}`], { check: true });
  }

  it('three replicas restarted one at a time: 0 Ready flips, no status write beyond status.replicas; a replica restarting in place flips nothing either', { timeout: 240_000 }, async () => {
    for (const name of ['proxy-a', 'proxy-b', 'proxy-c']) {
      const p = await startTestProxy();
      replicas.set(name, p);
      await apply(cp, slice(name, p.adminPort, { ready: false }));
    }
    op = await startTestOperator(cp, { proxyService: `${NS}/proxy`, concurrent: 4 });
    for (const [name, p] of replicas) {
      await eventually(async () => (await p.admin.getState()).ready, 20_000, `${name} synced`);
      await apply(cp, slice(name, p.adminPort, { ready: true, serving: true }));
    }
    for (let i = 0; i < N; i++) {
      await apply(cp, gatewayDoc(NS, `gw-${i}`, upstream.url));
      await apply(cp, serverDoc(NS, `vs-${i}`, [{ gateway: `gw-${i}`, include: ['echo', 'add'] }]));
    }

    // Watch every resource the way Argo CD would.
    const kube = await KubeClient.connect(cp.kubeconfigPath);
    const counts = { statusWrites: 0, readyFlips: 0, beyondReplicas: [] as string[] };
    let counting = false;
    const watchers = (['McpGateway', 'VirtualServer'] as const).map(
      (kind) =>
        new Reflector<RawResource>({
          client: kube,
          path: collectionPath(kind, NS),
          onChange: (type, obj, old) => {
            if (!counting || type !== 'MODIFIED' || !old || statusEqual(old.status ?? {}, obj.status ?? {})) return;
            counts.statusWrites++;
            const [a, b] = [old.status as Status, obj.status as Status];
            if (condition({ status: a }, 'Ready')?.status !== condition({ status: b }, 'Ready')?.status) counts.readyFlips++;
            if (!statusEqual({ ...a, replicas: undefined }, { ...b, replicas: undefined })) counts.beyondReplicas.push(`${kind}/${obj.metadata.name}: ${JSON.stringify(a.conditions)} → ${JSON.stringify(b.conditions)}`);
          },
        }),
    );
    await Promise.all(watchers.map((w) => w.start()));
    all = () => watchers.flatMap((w) => w.list());
    const settledOn = (names: string[]) => () =>
      all().length === 2 * N &&
      all().every((o) => {
        const s = o.status as Status | undefined;
        const eps = (s?.replicas ?? []).filter((r) => r.synced && r.ready).map((r) => new URL(r.endpoint).hostname.replace(/\.localhost$/, ''));
        return condition({ status: s }, 'Ready')?.status === 'True' && eps.sort().join() === [...names].sort().join() && s?.replicas?.length === names.length;
      });
    await eventually(settledOn(['proxy-a', 'proxy-b', 'proxy-c']), 60_000, 'every resource Ready on the three replicas');
    // Converged, not just Ready: every gateway has listed its tools (a first tool list arriving during
    // the rollout would be a status change that has nothing to do with it).
    const discovered = (o: RawResource) => ['ToolsDiscovered', 'ToolsResolved'].some((t) => condition({ status: o.status as Status }, t)?.status === 'True');
    await eventually(() => all().every(discovered), 60_000, 'every gateway listed its tools, every server resolved them');
    await op.idle();

    counting = true;
    const before = op.writes().status;
    const rollout = [['proxy-a', 'proxy-a2'], ['proxy-b', 'proxy-b2'], ['proxy-c', 'proxy-c2']] as const;
    const current = new Set(['proxy-a', 'proxy-b', 'proxy-c']);
    for (const [old, next] of rollout) {
      await removeReplica(old);
      current.delete(old);
      await addReplica(next);
      current.add(next);
      await eventually(settledOn([...current]), 30_000, `every resource lists ${[...current].join(', ')} as ready and synced`);
      await op.idle();
    }
    counting = false;
    const writes = op.writes().status - before;
    console.log(`rolling restart of 3 replicas over ${2 * N} resources: ${writes} status writes (${counts.statusWrites} seen), ${counts.readyFlips} Ready flips, ${counts.beyondReplicas.length} writes beyond status.replicas`);

    expect(counts.readyFlips).toBe(0);
    expect(counts.beyondReplicas).toEqual([]);
    // Each resource's replica list changes at most three times per replica replaced (old one leaves,
    // new one joins not ready, it turns ready).
    expect(counts.statusWrites).toBeLessThanOrEqual(3 * rollout.length * 2 * N);

    // A container restarting in place: same endpoint, not ready, refusing connections, then back.
    const [name, p] = [...replicas].find(([n]) => n === 'proxy-b2')!;
    counting = true;
    Object.assign(counts, { statusWrites: 0, readyFlips: 0, beyondReplicas: [] });
    await apply(cp, slice(name, p.adminPort, { ready: false, serving: false }));
    await stopTestProxy(p);
    const notSynced = () => all().every((o) => condition({ status: o.status as Status }, 'ReplicasSynced')?.status === 'False');
    await eventually(notSynced, 30_000, 'every resource reports the refusing replica in ReplicasSynced');
    const back = await startTestProxy(p.adminPort);
    replicas.set(name, back);
    await eventually(async () => (await back.admin.getState()).ready, 30_000, 'the restarted replica re-synced');
    await apply(cp, slice(name, back.adminPort, { ready: true, serving: true }));
    await eventually(settledOn([...current]), 30_000, 'every resource lists it ready and synced again');
    await eventually(() => all().every((o) => condition({ status: o.status as Status }, 'ReplicasSynced')?.status === 'True'), 30_000, 'ReplicasSynced=True again');
    counting = false;
    console.log(`in-place restart of one replica: ${counts.statusWrites} status writes, ${counts.readyFlips} Ready flips`);
    expect(counts.readyFlips).toBe(0);
    // Only ReplicasSynced moved besides the replica list.
    for (const w of counts.beyondReplicas) expect(w).not.toMatch(/"type":"Ready","status":"False"/);

    await Promise.all(watchers.map((w) => w.stop()));
    await kube.close();
  });
});
