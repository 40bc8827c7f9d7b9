/**
 * The connections page's sessions and sign-ins in progress, shared by replicas through one vault
 * (two stores over the same file vault stand for two replicas): a session started on one is open
 * on the other, and signing out on one ends it on both. (Sign-ins in progress are stored nowhere:
 * login-oidc.ts.)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultSessionStore } from '../../../src/proxy/connections/vault-session-store.ts';
import { EncryptedTokenVault, FileRecordStore, Keyring, type TokenVault } from '../../../src/vault/index.ts';

/** The page key every replica shares. */
const PAGE_KEY = randomBytes(32);
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
    const a = new VaultSessionStore(replicaA, PAGE_KEY);
    const b = new VaultSessionStore(replicaB, PAGE_KEY);
    const { id, session } = await a.create('alice', ['platform']);
    expect(await b.get(id)).toMatchObject({ user: 'alice', groups: ['platform'], csrfToken: session.csrfToken });
    const seen = (await b.get(id))!;
    seen.flash = { kind: 'ok', text: 'Disconnected rovo.' };
    await b.save(id, seen);
    expect((await a.get(id))?.flash).toEqual({ kind: 'ok', text: 'Disconnected rovo.' });
    await b.destroy(id);
    expect(await a.get(id)).toBeUndefined();
  });

  it('a session id with a MAC under another key, or none, opens nothing (before any read)', async () => {
    const a = new VaultSessionStore(replicaA, PAGE_KEY);
    const { id } = await a.create('carol', []);
    const [random] = id.split('.');
    expect(await new VaultSessionStore(replicaA, randomBytes(32)).get(id)).toBeUndefined();
    expect(await a.get(random)).toBeUndefined();
    expect(await a.get(`${random}.${'A'.repeat(43)}`)).toBeUndefined();
    expect(await a.get(id)).toMatchObject({ user: 'carol' });
  });

  it('a session idle past the timeout is gone on every replica', async () => {
    let now = Date.now();
    const a = new VaultSessionStore(replicaA, PAGE_KEY, { now: () => now });
    const b = new VaultSessionStore(replicaB, PAGE_KEY, { now: () => now });
    const { id } = await a.create('bob', []);
    now += 16 * 60_000;
    expect(await b.get(id)).toBeUndefined();
  });
});
