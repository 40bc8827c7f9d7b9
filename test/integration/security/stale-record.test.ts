// Attacker test for issue 11 finding 8 (last item): an old vault record written back over a newer one.
//
// The attack: someone who can write the vault's storage (the Secrets in the proxy's namespace, or
// the dev data dir) keeps a copy of a user's record and later writes it back — to bring back tokens
// from before a Disconnect or a reconsent, or a record from before the gateway was retargeted. On the
// old vault the copy opened as if it were current: nothing in the AAD said which write it was.
// Now every record carries a generation in its AAD and the vault refuses one older than it has seen.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedTokenVault, FileRecordStore, Keyring, userHash, type VaultError } from '../../../src/vault/index.ts';

describe('attacker: a stale vault record written back is refused', () => {
  let dataDir: string;
  const keyring = Keyring.generate();
  const alice = { namespace: 'mcp', gatewayId: 'a'.repeat(32), user: 'alice' };
  const location = { namespace: alice.namespace, gatewayId: alice.gatewayId, userHash: userHash('alice', keyring) };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stale-record-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('the vault that wrote the newer record refuses the old copy for reads and for refreshes; nothing of the old tokens comes out', async () => {
    const store = new FileRecordStore({ dataDir });
    const vault = new EncryptedTokenVault({ store, keyring });
    await vault.put(alice, { accessToken: 'at-OLD', refreshToken: 'rt-OLD', obtainedAt: Date.now(), expiresAt: Date.now() - 1 });
    const copy = (await store.read(location))!; // the attacker's copy

    const newer = await vault.put(alice, { accessToken: 'at-NEW', refreshToken: 'rt-NEW', obtainedAt: Date.now() });
    expect(newer.generation).toBeGreaterThan(0);
    await store.write(location, { tokens: copy.tokens, subject: copy.subject, state: copy.state }, undefined); // written back

    const read = await vault.get(alice).then(() => undefined, (e: unknown) => e as VaultError);
    expect(read?.code).toBe('ERR_VAULT_STALE_RECORD');
    expect(read?.message).not.toMatch(/at-OLD|rt-OLD/);

    const presented: string[] = [];
    const refreshed = await vault
      .refreshUnderLock(alice, { isFresh: () => false, refresh: async (t) => (presented.push(t.refreshToken!), { ...t, accessToken: 'at-X', obtainedAt: Date.now() }) })
      .then(() => undefined, (e: unknown) => e as VaultError);
    expect(refreshed?.code).toBe('ERR_VAULT_STALE_RECORD');
    expect(presented).toEqual([]); // the old refresh token was never handed to a provider
  });

  it('the generation cannot be raised on the copy: relabelled, it no longer opens', async () => {
    const store = new FileRecordStore({ dataDir });
    const vault = new EncryptedTokenVault({ store, keyring });
    const bob = { ...alice, user: 'bob' };
    const bobAt = { ...location, userHash: userHash('bob', keyring) };
    await vault.put(bob, { accessToken: 'at-OLD', obtainedAt: Date.now() });
    const copy = (await store.read(bobAt))!;
    const newer = await vault.put(bob, { accessToken: 'at-NEW', obtainedAt: Date.now() });
    const parts = copy.tokens.split('.');
    parts[2] = String(newer.generation + 1);
    await store.write(bobAt, { tokens: parts.join('.'), subject: copy.subject, state: copy.state }, undefined);
    const read = await vault.get(bob).then(() => undefined, (e: unknown) => e as VaultError);
    expect(read?.code).toBe('ERR_VAULT_DECRYPT');
  });
});
