/**
 * The connections page's sessions and sign-ins in progress, shared by replicas through one vault
 * (two stores over the same file vault stand for two replicas): a session started on one is open
 * on the other, and signing out on one ends it on both; a sign-in started on one finishes on the
 * other, once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultPendingLogins } from '../../../src/proxy/connections/vault-pending-logins.ts';
import { VaultSessionStore } from '../../../src/proxy/connections/vault-session-store.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring, type TokenVault } from '../../../src/vault/index.ts';

let dir: string;
let replicaA: TokenVault;
let replicaB: TokenVault;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shared-sessions-'));
  const keyring = Keyring.generate();
  replicaA = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir: dir }), keyring });
  replicaB = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir: dir }), keyring });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('connections sessions shared by replicas', () => {
  it('a session started on one replica is open on another; signing out on either ends it on both', async () => {
    const a = new VaultSessionStore(replicaA);
    const b = new VaultSessionStore(replicaB);
    const { id, session } = await a.create('alice', ['platform']);
    expect(await b.get(id)).toMatchObject({ user: 'alice', groups: ['platform'], csrfToken: session.csrfToken });
    const seen = (await b.get(id))!;
    seen.flash = { kind: 'ok', text: 'Disconnected rovo.' };
    await b.save(id, seen);
    expect((await a.get(id))?.flash).toEqual({ kind: 'ok', text: 'Disconnected rovo.' });
    await b.destroy(id);
    expect(await a.get(id)).toBeUndefined();
  });

  it('a session idle past the timeout is gone on every replica', async () => {
    let now = Date.now();
    const a = new VaultSessionStore(replicaA, { now: () => now });
    const b = new VaultSessionStore(replicaB, { now: () => now });
    const { id } = await a.create('bob', []);
    now += 16 * 60_000;
    expect(await b.get(id)).toBeUndefined();
  });

  it('a sign-in started on one replica finishes on another, exactly once', async () => {
    const pending = { codeVerifier: 'v', nonce: 'n', bindingHash: 'h', expiresAt: Date.now() + 60_000 };
    await new VaultPendingLogins(replicaA).put('state-1', pending);
    expect(await new VaultPendingLogins(replicaB).take('state-1')).toEqual(pending);
    expect(await new VaultPendingLogins(replicaA).take('state-1')).toBeUndefined();
  });
});
