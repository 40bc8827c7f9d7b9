/**
 * Faster truth across restarts (issue 12 item 5), on a real kube-apiserver with a real proxy:
 *
 * - a graceful shutdown (SIGTERM, as in a rolling update of the operator) releases the Lease, and
 *   the standby, which watches the Lease, leads within 2 s — not after the 15 s Lease duration;
 * - after a restart of kube-apiserver, the watches resume within about a second of the server
 *   answering, so a change applied then reaches the proxy within 2 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayId } from '../../../src/api/ids.ts';
import type { OperatorHandle } from '../../../src/operator/run.ts';
import { assetsDir, controlPlaneAvailable, type ControlPlane } from '../../support/control-plane.ts';
import { startEdgeServer, type EdgeServer } from '../../support/upstreams/edge-server.ts';
import { apply, eventually, gatewayDoc, kubectlJson, startCluster, startOperatorProcess, startTestOperator, startTestProxy, stopTestProxy, type TestProxy } from './harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn(`restarts.test.ts skipped: no control plane in ${assetsDir()} (hack/build-control-plane.sh)`);

const NS = 'restarts';

describe.skipIf(!available)('the operator across restarts', () => {
  let cp: ControlPlane;
  let upstream: EdgeServer;
  let proxy: TestProxy;

  beforeAll(async () => {
    cp = await startCluster();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    upstream = await startEdgeServer();
    proxy = await startTestProxy();
  });

  afterAll(async () => {
    if (proxy) await stopTestProxy(proxy).catch(() => undefined);
    await upstream?.close();
    await cp?.stop();
  });

  const onProxy = async (name: string) => (await proxy.admin.getGateway(gatewayId(NS, name))) !== undefined;

  it('SIGTERM releases the Lease: the standby leads within 2 s (default 15 s Lease), and acts', { timeout: 90_000 }, async () => {
    const le = { leaderElect: true, leaderElectionNamespace: 'default', leaderElectionId: 'handover' };
    const holder = async () => (await kubectlJson<{ spec: { holderIdentity?: string } }>(cp, ['get', 'lease', '-n', 'default', 'handover'])).spec.holderIdentity;
    const a = await startOperatorProcess(cp, { proxyUrl: [proxy.adminUrl], ...le });
    let b: OperatorHandle | undefined;
    try {
      const first = await eventually(holder, 20_000, 'the child process leads');
      b = await startTestOperator(cp, { proxyUrl: [proxy.adminUrl], ...le });
      await new Promise((r) => setTimeout(r, 2_500));
      expect(b.isLeader).toBe(false);

      const code = await a.terminate();
      const exitedAt = Date.now();
      expect(code).toBe(0); // a graceful stop is not "lost leadership" (exit 1)
      await eventually(() => b!.isLeader, 2_000, 'the standby leads within 2 s of the leader exiting');
      const took = Date.now() - exitedAt;
      expect(took).toBeLessThan(2_000);
      expect(await holder()).not.toBe(first);

      await apply(cp, gatewayDoc(NS, 'after-handover', upstream.url));
      await eventually(() => onProxy('after-handover'), 15_000, 'the new leader acts');
    } finally {
      await a.kill();
      await b?.stop();
    }
  });

  it('after kube-apiserver restarts, a change applied then reaches the proxy within 2 s', { timeout: 120_000 }, async () => {
    const op = await startTestOperator(cp, { proxyUrl: [proxy.adminUrl] });
    try {
      await apply(cp, gatewayDoc(NS, 'before-restart', upstream.url));
      await eventually(() => onProxy('before-restart'), 20_000, 'converged before the restart');
      const watchesBefore = Object.values(op.watchStats()).reduce((n, s) => n + s.watches + s.lists, 0);

      // Down long enough that a 0.5 s → 30 s backoff would have grown to 4–8 s.
      await cp.restartApiServer({ downMs: 6_000 });
      const appliedAt = await (async () => {
        await apply(cp, gatewayDoc(NS, 'after-restart', upstream.url));
        return Date.now();
      })();
      await eventually(() => onProxy('after-restart'), 2_000, 'the change reaches the proxy within 2 s');
      expect(Date.now() - appliedAt).toBeLessThan(2_000);
      // The caches reconnected (watch resumed or relisted) rather than serving the change some other way.
      const watchesAfter = Object.values(op.watchStats()).reduce((n, s) => n + s.watches + s.lists, 0);
      expect(watchesAfter).toBeGreaterThan(watchesBefore);
    } finally {
      await op.stop();
    }
  });
});
