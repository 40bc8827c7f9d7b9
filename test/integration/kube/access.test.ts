// Our own kubeconfig and service-account loader (src/kube/access.ts, kubeconfig.ts, exec-credential.ts)
// against a real kube-apiserver: every form a cluster hands out authenticates as the identity it names
// (asked of the server itself with a SelfSubjectReview), and the forms we do not support are refused
// naming the kubeconfig entry — never quoting a token or key.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient } from '../../../src/kube/client.ts';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from '../../support/control-plane.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('access.test.ts skipped: no test control plane; build it with hack/build-control-plane.sh (docs/test-control-plane.md)');

const SA = 'system:serviceaccount:default:reader';

/** Who the API server says `client` is. */
async function whoami(client: KubeClient): Promise<string> {
  try {
    const review = await client.request<{ status: { userInfo: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    return review.status.userInfo.username;
  } finally {
    await client.close();
  }
}

interface Kubeconfig {
  cluster: Record<string, unknown>;
  user?: Record<string, unknown>;
}

describe.skipIf(!available)('connecting to the Kubernetes API without @kubernetes/client-node', () => {
  let cp: ControlPlane;
  let dir: string;
  let token: string;
  let admin: { cert: string; key: string };
  const env = { KUBECONFIG: undefined, HOME: '/nonexistent' };

  /** Writes a kubeconfig with one context `c` (cluster `k`, user `u`) and returns its path. */
  async function kubeconfig(name: string, k: Kubeconfig, extra: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, name);
    const doc = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'k', cluster: k.cluster }], users: k.user ? [{ name: 'u', user: k.user }] : [], contexts: [{ name: 'c', context: { cluster: 'k', ...(k.user ? { user: 'u' } : {}) } }], 'current-context': 'c', ...extra };
    await writeFile(file, stringify(doc), { mode: 0o600 });
    return file;
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    dir = await mkdtemp(join(tmpdir(), 'kube-access-'));
    await cp.kubectl(['create', 'serviceaccount', 'reader', '-n', 'default'], { check: true });
    token = (await cp.kubectl(['create', 'token', 'reader', '-n', 'default'], { check: true })).stdout.trim();
    const kc = await readFile(cp.kubeconfigPath, 'utf8');
    const data = (field: string) => Buffer.from(new RegExp(`${field}: (\\S+)`).exec(kc)![1]!, 'base64').toString('utf8');
    admin = { cert: data('client-certificate-data'), key: data('client-key-data') };
    await mkdir(join(dir, 'certs'));
    await writeFile(join(dir, 'certs/ca.crt'), cp.caPem);
    await writeFile(join(dir, 'certs/admin.crt'), admin.cert);
    await writeFile(join(dir, 'certs/admin.key'), admin.key, { mode: 0o600 });
    await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  }, 120_000);

  afterAll(async () => {
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a kubeconfig with client certificate and CA data (what kind and kubeadm write)', async () => {
    expect(await whoami(await KubeClient.connect(cp.kubeconfigPath, { env }))).toBe('admin');
  });

  it('a kubeconfig with certificate, key and CA files relative to the kubeconfig', async () => {
    const file = await kubeconfig('files.kubeconfig', { cluster: { server: cp.server, 'certificate-authority': 'certs/ca.crt' }, user: { 'client-certificate': 'certs/admin.crt', 'client-key': 'certs/admin.key' } });
    expect(await whoami(await KubeClient.connect(file, { env }))).toBe('admin');
  });

  it('the pod’s service account: KUBERNETES_SERVICE_HOST/PORT, ca.crt and token', async () => {
    const sa = join(dir, 'serviceaccount');
    await mkdir(sa);
    await writeFile(join(sa, 'ca.crt'), cp.caPem);
    await writeFile(join(sa, 'token'), token);
    const port = new URL(cp.server).port;
    const client = await KubeClient.connect(undefined, { inCluster: true, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, serviceAccountDir: sa });
    expect(await whoami(client)).toBe(SA);
    // Without a kubeconfig anywhere, the default falls back to the service account as client-go does.
    const fallback = await KubeClient.connect(undefined, { env: { ...env, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, serviceAccountDir: sa });
    expect(await whoami(fallback)).toBe(SA);
  });

  it('a token, a tokenFile, and tls-server-name checked against the serving certificate', async () => {
    const inline = await kubeconfig('token.kubeconfig', { cluster: { server: cp.server, 'certificate-authority-data': Buffer.from(cp.caPem).toString('base64') }, user: { token } });
    expect(await whoami(await KubeClient.connect(inline, { env }))).toBe(SA);
    const named = await kubeconfig('token-file.kubeconfig', {
      cluster: { server: cp.server.replace('127.0.0.1', 'localhost'), 'certificate-authority': 'certs/ca.crt', 'tls-server-name': 'kubernetes.default.svc' },
      user: { tokenFile: 'token' },
    });
    expect(await whoami(await KubeClient.connect(named, { env }))).toBe(SA);
    // A name the certificate does not carry is refused by TLS, not silently accepted.
    const wrong = await kubeconfig('wrong-name.kubeconfig', { cluster: { server: cp.server, 'certificate-authority': 'certs/ca.crt', 'tls-server-name': 'not-the-apiserver.example' }, user: { tokenFile: 'token' } });
    await expect(whoami(await KubeClient.connect(wrong, { env }))).rejects.toMatchObject({ status: 0, reason: 'Unreachable' });
  });

  it('insecure-skip-tls-verify connects without a CA; without it an unknown CA is refused', async () => {
    const insecure = await kubeconfig('insecure.kubeconfig', { cluster: { server: cp.server, 'insecure-skip-tls-verify': true }, user: { token } });
    expect(await whoami(await KubeClient.connect(insecure, { env }))).toBe(SA);
    const noCa = await kubeconfig('no-ca.kubeconfig', { cluster: { server: cp.server }, user: { token } });
    await expect(whoami(await KubeClient.connect(noCa, { env }))).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/certificate/i) });
  });

  it('an exec credential plugin: its token is used and reused until it expires', async () => {
    const runs = join(dir, 'plugin-runs');
    const plugin = join(dir, 'plugin.sh');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token, expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() } });
    await writeFile(plugin, `#!/bin/sh\necho "$KUBERNETES_EXEC_INFO $GREETING" >> ${runs}\ncat <<'EOF'\n${credential}\nEOF\n`);
    await chmod(plugin, 0o755);
    const file = await kubeconfig('exec.kubeconfig', {
      cluster: { server: cp.server, 'certificate-authority': 'certs/ca.crt' },
      user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './plugin.sh', env: [{ name: 'GREETING', value: 'hello' }], interactiveMode: 'Never' } },
    });
    const client = await KubeClient.connect(file, { env });
    await Promise.all([client.get('/api/v1/namespaces/default/serviceaccounts/reader').catch(() => undefined), client.get('/version')]);
    expect(await whoami(client)).toBe(SA);
    const lines = (await readFile(runs, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1); // three requests, two of them concurrent: one run
    expect(lines[0]).toContain('"kind":"ExecCredential"');
    expect(lines[0]).toContain('hello');
  });

  it('KUBECONFIG with several files merges them as kubectl does (first wins; the user may live in another file)', async () => {
    // The first file names the context and its cluster; its user "u" is defined only in the second.
    const first = join(dir, 'first.kubeconfig');
    await writeFile(first, stringify({ clusters: [{ name: 'k', cluster: { server: cp.server, 'certificate-authority': 'certs/ca.crt' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }], 'current-context': 'c' }));
    const second = await kubeconfig('second.kubeconfig', { cluster: { server: 'https://192.0.2.1:6443' }, user: { tokenFile: 'token' } }, { 'current-context': 'elsewhere' });
    const client = await KubeClient.connect(undefined, { env: { KUBECONFIG: `${first}:${join(dir, 'missing')}:${second}` } });
    expect(client.access.server).toBe(cp.server);
    expect(await whoami(client)).toBe(SA);
  });

  it('refuses what it does not support, naming the entry and never the secret', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ token, 'auth-provider': { name: 'oidc' } }, /user "u": auth-provider plugins are not supported/],
      [{ username: 'admin', password: token }, /user "u": basic authentication/],
      [{ token, as: 'someone' }, /user "u": impersonation/],
      [{ 'client-certificate-data': Buffer.from(admin.cert).toString('base64') }, /user "u": a client certificate needs both/],
      [{ tokenFile: 'no-such-token' }, /user "u": cannot read the token file .*no-such-token: ENOENT/],
    ];
    for (const [i, [user, message]] of cases.entries()) {
      const file = await kubeconfig(`bad-${i}.kubeconfig`, { cluster: { server: cp.server, 'certificate-authority': 'certs/ca.crt' }, user });
      const outcome = await KubeClient.connect(file, { env }).then(whoami).catch((e: Error) => e);
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(message);
      expect((outcome as Error).message).toContain(file);
      expect((outcome as Error).message).not.toContain(token);
    }
    const proxied = await kubeconfig('proxy.kubeconfig', { cluster: { server: cp.server, 'proxy-url': 'http://proxy:3128' }, user: { token } });
    await expect(KubeClient.connect(proxied, { env })).rejects.toThrow(/cluster "k": proxy-url is not supported/);
    const plugin = join(dir, 'cert-plugin.sh');
    await writeFile(plugin, `#!/bin/sh\necho '{"kind":"ExecCredential","status":{"clientCertificateData":"x","clientKeyData":"y"}}'\n`);
    await chmod(plugin, 0o755);
    const certExec = await kubeconfig('cert-exec.kubeconfig', { cluster: { server: cp.server, 'certificate-authority': 'certs/ca.crt' }, user: { exec: { command: plugin } } });
    await expect(whoami(await KubeClient.connect(certExec, { env }))).rejects.toThrow(/user "u": exec plugin .*cert-plugin.sh answered with a client certificate/);
    const noContext = await kubeconfig('no-context.kubeconfig', { cluster: { server: cp.server } }, { 'current-context': 'gone' });
    await expect(KubeClient.connect(noContext, { env })).rejects.toThrow(`kubeconfig ${noContext}: current-context "gone" is not among its contexts`);
    await expect(KubeClient.connect(undefined, { env })).rejects.toThrow(/no Kubernetes configuration/);
  });
});
