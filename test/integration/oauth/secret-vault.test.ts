// The Kubernetes Secret backend against a real kube-apiserver + etcd (test/support/control-plane.ts):
// sealed data, labels without user names, compare-and-swap on resourceVersion, the keyring from a
// Secret, and the full consent + cross-replica refresh flow with Secrets as the store.
import { KubeClient } from '../../../src/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EncryptedTokenVault,
  Keyring,
  KEYRING_SECRET_KEY,
  loadKeyringSecret,
  SecretRecordStore,
  secretName,
  userHash,
  type StoredTokenSet,
} from '../../../src/vault/index.ts';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from '../../support/control-plane.ts';
import { completeConsent } from '../../support/oidc-provider.ts';
import { CLIENT_ID, CLIENT_SECRET, callWhoami, registration, startHarness, type Harness } from './harness.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('secret-vault.test.ts skipped: no test control plane; build it with hack/build-control-plane.sh (docs/test-control-plane.md)');

const NS = 'mcp-system';
const alice = { namespace: 'mcp', gatewayId: 'a'.repeat(32), user: 'alice@example.com' };
const bob = { ...alice, user: 'bob@example.com' };
const tokens = (label: string) => ({ accessToken: `at-SECRET-${label}`, refreshToken: `rt-SECRET-${label}`, obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });

describe.skipIf(!available)('Secret backend on a real API server', () => {
  let cp: ControlPlane;
  let core: KubeClient;
  let keyring: Keyring;
  const vault = () => new EncryptedTokenVault({ store: new SecretRecordStore({ kube: core, secretNamespace: NS }), keyring });

  beforeAll(async () => {
    cp = await startControlPlane();
    core = await KubeClient.connect(cp.kubeconfigPath);
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    keyring = Keyring.generate();
    await cp.kubectl(['-n', NS, 'create', 'secret', 'generic', 'mcp-gitops-vault-key', `--from-literal=${KEYRING_SECRET_KEY}=${keyring.serialize()}`], { check: true });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('reads the keyring from a Secret; a missing Secret or entry is a clear error', async () => {
    expect((await loadKeyringSecret(core, NS, 'mcp-gitops-vault-key')).active.kid).toBe(keyring.active.kid);
    await expect(loadKeyringSecret(core, NS, 'nope')).rejects.toMatchObject({ code: 'ERR_VAULT_KEY_MISSING', message: expect.stringContaining(`Secret ${NS}/nope does not exist`) });
    await cp.kubectl(['-n', NS, 'create', 'secret', 'generic', 'empty-key', '--from-literal=other=x'], { check: true });
    await expect(loadKeyringSecret(core, NS, 'empty-key')).rejects.toMatchObject({ code: 'ERR_VAULT_KEY_MISSING', message: expect.stringContaining('no "keys.json" entry') });
  });

  it('one Secret per (gateway, user): labelled, no user name anywhere in clear, no plaintext token in a raw read', async () => {
    await vault().put(alice, tokens('alice'));
    const name = secretName({ namespace: 'mcp', gatewayId: alice.gatewayId, userHash: userHash(alice.user, keyring) });
    const raw = await cp.kubectl(['-n', NS, 'get', 'secret', name, '-o', 'json'], { check: true });
    const secret = JSON.parse(raw.stdout);
    expect(secret.type).toBe('mcp-gitops.dev/token');
    expect(secret.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'mcp-gitops',
      'mcp-gitops.dev/gateway': alice.gatewayId,
      'mcp-gitops.dev/gateway-namespace': 'mcp',
      'mcp-gitops.dev/user-hash': userHash(alice.user, keyring),
    });
    const decoded = Object.values(secret.data as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString()).join('\n');
    for (const text of [raw.stdout, decoded]) {
      expect(text).not.toContain('SECRET');
      expect(text).not.toContain('alice');
    }
    expect((await vault().get(alice))?.tokens.accessToken).toBe('at-SECRET-alice');
  });

  it('compare-and-swap on resourceVersion: a stale writer gets ERR_VAULT_CONFLICT and overwrites nothing', async () => {
    const v = vault();
    const first = await v.get(alice);
    await v.put(alice, tokens('two'), { ifVersion: first!.version });
    await expect(v.put(alice, tokens('three'), { ifVersion: first!.version })).rejects.toMatchObject({ code: 'ERR_VAULT_CONFLICT' });
    await expect(v.put(alice, tokens('four'), { ifVersion: null })).rejects.toMatchObject({ code: 'ERR_VAULT_CONFLICT' });
    expect((await v.get(alice))?.tokens.accessToken).toBe('at-SECRET-two');
  });

  it('a ciphertext copied into another user’s Secret fails to open', async () => {
    const v = vault();
    await v.put(bob, tokens('bob'));
    const nameOf = (u: string) => secretName({ namespace: 'mcp', gatewayId: alice.gatewayId, userHash: userHash(u, keyring) });
    type Secret = { data?: Record<string, string> };
    const path = (u: string) => `/api/v1/namespaces/${NS}/secrets/${nameOf(u)}`;
    const aliceSecret = await core.get<Secret>(path(alice.user));
    const bobSecret = await core.get<Secret>(path(bob.user));
    await core.request('PUT', path(bob.user), { body: { ...bobSecret, data: { ...bobSecret.data, tokens: aliceSecret.data!.tokens! } } });
    await expect(v.get(bob)).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT' });
    const listed = await v.listByGateway('mcp', alice.gatewayId);
    expect(listed.entries.map((e) => e.ref.user)).toEqual([alice.user]);
    expect(listed.skipped).toBe(1);
    expect(await v.countAuthorized('mcp', alice.gatewayId)).toBe(2); // counted from labels/annotations, not opened
    expect(await v.delete(bob)).toBe(true);
  });

  it('two vaults (replicas) refreshing the same record concurrently: each refresh token spent once, none lost', async () => {
    const replicas = [vault(), vault()];
    await replicas[0]!.put(alice, { ...tokens('r0'), refreshToken: 'rt-0', expiresAt: Date.now() - 1 });
    const spent = new Set<string>();
    let reuse = 0;
    let generation = 0;
    for (let round = 1; round <= 8; round++) {
      const refresher = {
        isFresh: (t: StoredTokenSet) => t.refreshToken === `rt-${round}`,
        async refresh(t: StoredTokenSet) {
          if (spent.has(t.refreshToken!)) reuse++;
          spent.add(t.refreshToken!);
          generation++;
          return { ...t, accessToken: `at-${generation}`, refreshToken: `rt-${generation}`, lastRefreshedAt: Date.now() };
        },
      };
      const results = await Promise.all([0, 1, 1, 0].map((i) => replicas[i]!.refreshUnderLock(alice, refresher)));
      for (const r of results) expect(r?.tokens.refreshToken).toBe(`rt-${round}`);
    }
    expect(reuse).toBe(0);
    expect(generation).toBe(8);
    expect((await replicas[1]!.get(alice))?.tokens.refreshToken).toBe('rt-8');
  });

  it('works with exactly the proxy’s RBAC (manifests/rbac/proxy.yaml), which reaches no other namespace', async () => {
    await cp.kubectl(['create', 'namespace', 'mcp-gitops-system'], { check: true });
    await cp.kubectl(['apply', '-f', 'manifests/rbac/proxy.yaml'], { check: true });
    await cp.kubectl(['-n', 'mcp-gitops-system', 'create', 'secret', 'generic', 'mcp-gitops-vault-key', `--from-literal=${KEYRING_SECRET_KEY}=${keyring.serialize()}`], { check: true });
    const kubeconfig = await cp.userKubeconfig('system:serviceaccount:mcp-gitops-system:mcp-gitops-proxy', ['system:serviceaccounts', 'system:serviceaccounts:mcp-gitops-system']);
    const asProxy = await KubeClient.connect(kubeconfig);
    const v = new EncryptedTokenVault({ store: new SecretRecordStore({ kube: asProxy, secretNamespace: 'mcp-gitops-system' }), keyring: await loadKeyringSecret(asProxy, 'mcp-gitops-system', 'mcp-gitops-vault-key') });
    await v.put(alice, { ...tokens('rbac'), expiresAt: Date.now() - 1 });
    const refreshed = await v.refreshUnderLock(alice, { isFresh: (t) => t.accessToken === 'at-rbac-2', refresh: async (t) => ({ ...t, accessToken: 'at-rbac-2' }) });
    expect(refreshed?.tokens.accessToken).toBe('at-rbac-2');
    expect((await v.listByGateway('mcp', alice.gatewayId)).entries).toHaveLength(1);
    expect(await v.delete(alice)).toBe(true);
    // Elsewhere: a clear backend error, no Kubernetes response body attached.
    const elsewhere = new EncryptedTokenVault({ store: new SecretRecordStore({ kube: asProxy, secretNamespace: NS }), keyring });
    const error = await elsewhere.get(alice).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_VAULT_BACKEND', message: expect.stringContaining(`Secret ${NS}/mcp-token-`) });
    expect(String((error as Error).cause)).toContain('HTTP 403');
  });

  describe('full consent and refresh flow with Secrets', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ store: () => new SecretRecordStore({ kube: core, secretNamespace: NS }) });
    });
    afterAll(async () => {
      await h?.stop();
    });

    it('consent writes an encrypted Secret; two replicas refresh with zero invalid_grant; the upstream sees the user’s token', async () => {
      const gw = registration('secret-backed', { url: h.upstream.resource, auth_type: 'oauth', oauth_config: { issuer: h.op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scopes: ['read'], resource: h.upstream.resource } });
      h.gateways.set(gw.id, gw);
      const { response } = await completeConsent(await h.primary.relay.consentUrl(gw.id, 'carol'), 'carol', { signIn: h.primary.signInLink('carol') });
      expect(response!.status).toBe(200);
      const ref = { namespace: 'mcp', gatewayId: gw.id, user: 'carol' };
      const stored = await h.primary.vault.get(ref);
      const raw = await cp.kubectl(['-n', NS, 'get', 'secrets', '-l', `mcp-gitops.dev/gateway=${gw.id}`, '-o', 'json'], { check: true });
      expect(JSON.parse(raw.stdout).items).toHaveLength(1);
      expect(raw.stdout).not.toContain(stored!.tokens.accessToken);
      expect(raw.stdout).not.toContain(stored!.tokens.refreshToken!);

      const replica = await h.startReplica();
      const carol = { user: 'carol', groups: [] };
      const refreshesBefore = h.op.events.grants.refresh_token ?? 0;
      for (let round = 0; round < 5; round++) {
        const entry = await h.primary.vault.get(ref);
        await h.primary.vault.put(ref, { ...entry!.tokens, expiresAt: Date.now() - 1 });
        const headers = await Promise.all([h.primary, replica, replica, h.primary].map((r) => r.relay.credentials.headersFor(gw, carol)));
        expect(new Set(headers.map((x) => x.authorization)).size).toBe(1);
        if (round === 4) expect(await callWhoami(h.upstream.resource, headers[0]!)).toBe('carol');
      }
      expect(h.op.events.errors.invalid_grant ?? 0).toBe(0);
      expect((h.op.events.grants.refresh_token ?? 0) - refreshesBefore).toBe(5);
      expect(h.logs.join('\n')).not.toContain(CLIENT_SECRET);
    });
  });
});
