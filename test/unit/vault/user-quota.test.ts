// The per-user bound shared by every replica (vault/user-quota.ts), on the real file vault: two
// replicas' quotas over one store, ended entries leave the count, the index reveals no user id.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedTokenVault, FileRecordStore, Keyring, UserQuota, type Liveness } from '../../../src/vault/index.ts';

describe('UserQuota', () => {
  let dataDir: string;
  let now = Date.now();
  const key = randomBytes(32);
  const keyring = Keyring.generate();
  const replica = () => new UserQuota(new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring }), { kind: 'test', key, max: 3, now: () => now });
  const ended = new Set<string>();
  const live: Liveness = async (name) => (ended.has(name) ? undefined : now + 60_000);

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'quota-'));
    ended.clear();
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('counts per user across replicas; at the bound refuses with the time until the first entry ends', async () => {
    const [a, b] = [replica(), replica()];
    expect(await a.admit('alice', { name: 'n1', expiresAt: now + 10_000 }, live)).toEqual({ admitted: true });
    expect(await b.admit('alice', { name: 'n2', expiresAt: now + 20_000 }, live)).toEqual({ admitted: true });
    expect(await a.admit('alice', { name: 'n3', expiresAt: now + 30_000 }, live)).toEqual({ admitted: true });
    expect(await b.admit('alice', { name: 'n4', expiresAt: now + 40_000 }, live)).toEqual({ admitted: false, retryAfterMs: 10_000 });
    expect(await b.admit('bob', { name: 'n5', expiresAt: now + 40_000 }, live)).toEqual({ admitted: true });
  });

  it('an entry that ended (flow taken, session signed out) or expired frees its place', async () => {
    const q = replica();
    for (const n of ['n1', 'n2', 'n3']) await q.admit('alice', { name: n, expiresAt: now + 10_000 }, live);
    ended.add('n2');
    expect(await q.admit('alice', { name: 'n4', expiresAt: now + 10_000 }, live)).toEqual({ admitted: true });
    expect((await q.admit('alice', { name: 'n5', expiresAt: now + 10_000 }, live)).admitted).toBe(false);
    now += 10_001;
    expect(await q.admit('alice', { name: 'n6', expiresAt: now + 10_000 }, live)).toEqual({ admitted: true });
    now += 10_001;
    expect(await q.sweep()).toBe(1); // alice's one index, every entry ended
  });

  it('concurrent admissions of one user never pass the bound', async () => {
    const replicas = [replica(), replica(), replica(), replica()];
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => replicas[i % 4]!.admit('alice', { name: `c${i}`, expiresAt: now + 10_000 }, live)));
    expect(results.filter((r) => r.admitted).length).toBeLessThanOrEqual(3);
  });

  it('the stored index is named by a keyed hash: it does not name the user, and without the key it cannot be found', async () => {
    const vault = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring });
    const one = (k: Uint8Array) => new UserQuota(vault, { kind: 'test', key: k, max: 1, now: () => now });
    await one(key).admit('alice@example.com', { name: 'n1', expiresAt: now + 10_000 }, live);
    expect((await readdir(dataDir, { recursive: true })).join('\n')).not.toContain('alice');
    expect((await one(key).admit('alice@example.com', { name: 'n2', expiresAt: now + 10_000 }, live)).admitted).toBe(false);
    expect((await one(randomBytes(32)).admit('alice@example.com', { name: 'n2', expiresAt: now + 10_000 }, live)).admitted).toBe(true);
  });
});
