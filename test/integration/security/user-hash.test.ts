// Attacker test for issue 11 finding 8 (LOW): the `mcp-gitops.dev/user-hash` label and the token
// Secrets' names were an unkeyed SHA-256 of the user id, so anyone who may list Secrets in the
// proxy's namespace could confirm a guessed id ("is ceo@example.com connected to Jira?"). Now the
// hash is an HMAC under a key derived from the vault key, and records stored under the old hash
// (or under an older vault key's) are found and moved on their next use. The real kube-apiserver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/kube/client.ts';
import { EncryptedTokenVault, Keyring, legacyUserHash, seal, SecretRecordStore, secretName, userHash, type RecordLocation } from '../../../src/vault/index.ts';
import { controlPlaneAvailable, startControlPlane, type ControlPlane } from '../../support/control-plane.ts';

const available = controlPlaneAvailable();
if (!available) console.warn('user-hash.test.ts skipped: no test control plane (docs/test-control-plane.md)');

const NS = 'mcp-gitops-system';
const GATEWAY = 'a'.repeat(32);
const USER = 'ceo@example.com';
const ref = { namespace: 'mcp', gatewayId: GATEWAY, user: USER };

describe.skipIf(!available)('attacker: confirm a guessed user id from the token Secrets’ names and labels', () => {
  let cp: ControlPlane;
  let kube: KubeClient;
  const keyring = Keyring.generate();
  const store = () => new SecretRecordStore({ kube, secretNamespace: NS });
  const vault = (k = keyring) => new EncryptedTokenVault({ store: store(), keyring: k });
  const where = (hash: string): RecordLocation => ({ namespace: ref.namespace, gatewayId: GATEWAY, userHash: hash });

  /** Every token Secret as someone who may only list Secrets sees it: names and user-hash labels. */
  async function listed(): Promise<string[]> {
    const out = await cp.kubectl(['-n', NS, 'get', 'secrets', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.labels.mcp-gitops\\.dev/user-hash}{"\\n"}{end}'], { check: true });
    return out.stdout.trim().split('\n').filter(Boolean);
  }

  /** The record as a version before the keyed hash stored it: at the unkeyed hash, its subject sealed for that place. */
  async function storeAsBefore(): Promise<void> {
    const v = vault();
    await v.put(ref, { accessToken: 'at-SECRET-ceo', refreshToken: 'rt-SECRET-ceo', obtainedAt: Date.now() });
    const now = where(userHash(USER, keyring));
    const record = (await store().read(now))!;
    const before = where(legacyUserHash(USER));
    const subject = seal(keyring, Buffer.from(USER, 'utf8'), { namespace: before.namespace, gatewayId: before.gatewayId, user: before.userHash, purpose: 'subject' });
    await store().write(before, { tokens: record.tokens, subject, state: record.state }, null);
    await store().remove(now);
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    await cp.kubectl(['create', 'namespace', NS], { check: true });
    kube = await KubeClient.connect(cp.kubeconfigPath);
  }, 120_000);
  afterAll(async () => {
    await kube?.close();
    await cp?.stop();
  });

  it('a stored consent: neither the Secret’s name nor its label is the hash a guess can be checked against', async () => {
    await vault().put(ref, { accessToken: 'at-SECRET-ceo', obtainedAt: Date.now() });
    const guess = legacyUserHash(USER);
    const lines = await listed();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(guess);
    expect(lines[0]).not.toContain(guess.slice(0, 20));
    // Keyed: the same user under another installation's key gets another hash.
    expect(userHash(USER, Keyring.generate())).not.toBe(userHash(USER, keyring));
    expect(lines[0]).toBe(`${secretName(where(userHash(USER, keyring)))} ${userHash(USER, keyring)}`);
    await vault().delete(ref);
  });

  it('a record stored by an earlier version under the unkeyed hash is found on next use and moved: the old name and label are gone', async () => {
    await storeAsBefore();
    expect((await listed())[0]).toContain(legacyUserHash(USER));
    const entry = await vault().get(ref);
    expect(entry?.tokens.accessToken).toBe('at-SECRET-ceo');
    const after = await listed();
    expect(after).toEqual([`${secretName(where(userHash(USER, keyring)))} ${userHash(USER, keyring)}`]);
    // It keeps working from its new place: listed, refreshed, written.
    expect((await vault().listByGateway(ref.namespace, GATEWAY)).entries.map((e) => e.ref.user)).toEqual([USER]);
    await vault().put(ref, { ...entry!.tokens, accessToken: 'at-SECRET-ceo-2' }, { ifVersion: entry!.version });
    expect((await vault().get(ref))?.tokens.accessToken).toBe('at-SECRET-ceo-2');
  });

  it('a disconnect removes a record wherever it still is', async () => {
    await vault().delete(ref);
    await storeAsBefore();
    expect(await vault().delete(ref)).toBe(true);
    expect(await listed()).toEqual([]);
  });

  it('after a key rotation the record moves to the new key’s hash on next use', async () => {
    await vault().put(ref, { accessToken: 'at-SECRET-ceo', obtainedAt: Date.now() });
    const rotated = keyring.rotated();
    expect((await vault(rotated).get(ref))?.tokens.accessToken).toBe('at-SECRET-ceo');
    expect(await listed()).toEqual([`${secretName(where(userHash(USER, rotated)))} ${userHash(USER, rotated)}`]);
  });
});
