// Smoke test of the test control plane (test/support/control-plane.ts): a real etcd + kube-apiserver,
// reached with kubectl and with @kubernetes/client-node.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../support/control-plane.ts';

describe('test control plane', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('serves a ConfigMap created with kubectl to @kubernetes/client-node', async () => {
    await cp.kubectl(['create', 'configmap', 'hello', '--from-literal=greeting=hi'], { check: true });

    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const cm = await core.readNamespacedConfigMap({ name: 'hello', namespace: 'default' });
    expect(cm.data).toEqual({ greeting: 'hi' });

    const version = await cp.kubectl(['version', '-o', 'json'], { check: true });
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  it('authenticates client-certificate users and enforces RBAC', async () => {
    const alice = await cp.userKubeconfig('alice', ['team-a']);
    const whoami = await cp.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
      kubeconfig: alice,
      check: true,
    });
    expect(whoami.stdout).toBe('alice');

    const denied = await cp.kubectl(['get', 'configmap', 'hello'], { kubeconfig: alice });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);

    // Not the built-in `view` ClusterRole: it is aggregated, and no controller-manager fills in its rules.
    await cp.kubectl(['create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps'], { check: true });
    await cp.kubectl(['create', 'rolebinding', 'team-a-cm-reader', '--role=cm-reader', '--group=team-a'], { check: true });
    // The RBAC authorizer reads bindings from an informer: allow it a moment to observe the new one.
    let allowed = await cp.kubectl(['auth', 'can-i', 'get', 'configmaps'], { kubeconfig: alice });
    for (let i = 0; i < 50 && allowed.stdout.trim() !== 'yes'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      allowed = await cp.kubectl(['auth', 'can-i', 'get', 'configmaps'], { kubeconfig: alice });
    }
    expect(allowed.stdout.trim()).toBe('yes');
    const got = await cp.kubectl(['get', 'configmap', 'hello', '-o', 'jsonpath={.data.greeting}'], {
      kubeconfig: alice,
      check: true,
    });
    expect(got.stdout).toBe('hi');
  });
});
