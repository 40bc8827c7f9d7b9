import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EncryptedTokenVault,
  FileRecordStore,
  Keyring,
  LIST_PAGE_SIZE,
  loadKeyringFile,
  rotateKeyringFile,
  VaultError,
  type RecordStore,
  type StoredTokenSet,
  type TokenRef,
  userHash,
} from '../../../src/vault/index.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vault-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

const alice: TokenRef = { namespace: 'mcp', gatewayId: 'gw1', user: 'alice@example.com' };
const bob: TokenRef = { ...alice, user: 'bob@example.com' };
const tokensOf = (label: string) => ({ accessToken: `at-SECRET-${label}`, refreshToken: `rt-SECRET-${label}`, obtainedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe('key file', () => {
  it('is created with mode 0600 when missing and reused after', async () => {
    const path = join(dataDir, 'keys', 'vault-keys.json');
    const first = await loadKeyringFile(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadKeyringFile(path)).active.kid).toBe(first.active.kid);
  });

  it('is refused when group or others can read it', async () => {
    const path = join(dataDir, 'vault-keys.json');
    await writeFile(path, Keyring.generate().serialize());
    await chmod(path, 0o644);
    await expect(loadKeyringFile(path)).rejects.toMatchObject({ code: 'ERR_VAULT_KEY_FILE_MODE', message: expect.stringContaining('chmod 600') });
  });

  it('missing and not to be created → ERR_VAULT_KEY_MISSING naming the path', async () => {
    const path = join(dataDir, 'none.json');
    await expect(loadKeyringFile(path, { create: false })).rejects.toMatchObject({ code: 'ERR_VAULT_KEY_MISSING', message: expect.stringContaining(path) });
  });
});

describe('EncryptedTokenVault on files', () => {
  async function vault(keyring?: Keyring) {
    return new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring: keyring ?? (await loadKeyringFile(join(dataDir, 'k.json'))) });
  }

  it('stores sealed records: no token, no user name on disk; files are 0600', async () => {
    const v = await vault();
    await v.put(alice, tokensOf('alice'));
    const entry = await v.get(alice);
    expect(entry?.tokens.accessToken).toBe('at-SECRET-alice');
    for (const file of (await allFiles(join(dataDir, 'tokens'))).filter((f) => f.endsWith('.json'))) {
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain('SECRET');
      expect(text).not.toContain('alice');
      expect(file).not.toContain('alice');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
  });

  it('keeps users apart, and a record copied over another user’s fails to open', async () => {
    const v = await vault();
    await v.put(alice, tokensOf('alice'));
    await v.put(bob, tokensOf('bob'));
    expect((await v.get(bob))?.tokens.accessToken).toBe('at-SECRET-bob');
    const store = new FileRecordStore({ dataDir });
    const keyring = await loadKeyringFile(join(dataDir, 'k.json'));
    const pathOf = (ref: TokenRef) => store.describe({ namespace: ref.namespace, gatewayId: ref.gatewayId, userHash: userHash(ref.user, keyring) });
    // Overwrite bob's record with alice's ciphertext (what someone with write access to the files would try).
    const victim = JSON.parse(await readFile(pathOf(alice), 'utf8'));
    const target = JSON.parse(await readFile(pathOf(bob), 'utf8'));
    await writeFile(pathOf(bob), JSON.stringify({ ...target, tokens: victim.tokens }));
    await expect(v.get(bob)).rejects.toMatchObject({ code: 'ERR_VAULT_DECRYPT', message: expect.stringContaining(pathOf(bob)) });
    expect((await v.get(alice))?.tokens.accessToken).toBe('at-SECRET-alice');
    // Listing skips (and counts) the record that does not open instead of failing the whole gateway.
    expect((await v.listByGateway('mcp', 'gw1')).skipped).toBe(1);
  });

  it('compare-and-swap: a stale version loses with ERR_VAULT_CONFLICT and nothing is overwritten', async () => {
    const v = await vault();
    const first = await v.put(alice, tokensOf('one'), { ifVersion: null });
    await v.put(alice, tokensOf('two'), { ifVersion: first.version });
    await expect(v.put(alice, tokensOf('three'), { ifVersion: first.version })).rejects.toMatchObject({ code: 'ERR_VAULT_CONFLICT' });
    await expect(v.put(alice, tokensOf('four'), { ifVersion: null })).rejects.toMatchObject({ code: 'ERR_VAULT_CONFLICT' });
    expect((await v.get(alice))?.tokens.accessToken).toBe('at-SECRET-two');
  });

  it('key rotation: old records open, and are re-sealed with the new key on their next write', async () => {
    const keyPath = join(dataDir, 'k.json');
    const before = await vault(await loadKeyringFile(keyPath));
    const old = await before.put(alice, tokensOf('alice'));
    const rotated = await rotateKeyringFile(keyPath);
    const after = await vault(await loadKeyringFile(keyPath));
    const read = await after.get(alice);
    expect(read?.kid).toBe(old.kid);
    expect(read?.tokens.accessToken).toBe('at-SECRET-alice');
    const rewritten = await after.put(alice, { ...read!.tokens, lastUsedAt: Date.now() });
    expect(rewritten.kid).toBe(rotated.active.kid);
    expect((await after.get(alice))?.kid).toBe(rotated.active.kid);
    // A keyring without the old key cannot open what was not yet rewritten: bob's record, moved to
    // the new key's place on first use, is still sealed with the old key.
    await before.put(bob, tokensOf('bob'));
    expect((await after.get(bob))?.kid).toBe(old.kid);
    const onlyNew = new Keyring([{ kid: rotated.active.kid, key: rotated.active.key }], rotated.active.kid);
    await expect(vault(onlyNew).then((v) => v.get(bob))).rejects.toMatchObject({ code: 'ERR_VAULT_UNKNOWN_KID' });
    // An unrelated keyring cannot even find it: the place is keyed too.
    expect(await vault(Keyring.generate()).then((v) => v.get(bob))).toBeUndefined();
  });

  it('lists a gateway’s users and counts the authorized ones without reading tokens', async () => {
    const v = await vault();
    await v.put(alice, tokensOf('alice'));
    await v.put(bob, { ...tokensOf('bob'), reconnectNeeded: true, lastError: 'the provider rejected the refresh token' });
    await v.put({ ...alice, gatewayId: 'gw2' }, tokensOf('other'));
    const { entries, skipped } = await v.listByGateway('mcp', 'gw1');
    expect(entries.map((e) => e.ref.user).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(skipped).toBe(0);
    expect(await v.countAuthorized('mcp', 'gw1')).toBe(1);
    expect(await v.delete(alice)).toBe(true);
    expect(await v.delete(alice)).toBe(false);
    expect(await v.countAuthorized('mcp', 'gw1')).toBe(0);
  });

  it('refreshUnderLock: two vaults (replicas) refreshing at once spend each refresh token once', async () => {
    const keyring = await loadKeyringFile(join(dataDir, 'k.json'));
    const replicas = [await vault(keyring), await vault(keyring)];
    await replicas[0]!.put(alice, { ...tokensOf('0'), refreshToken: 'rt-0', expiresAt: Date.now() - 1 });
    const spent = new Set<string>();
    let generation = 0;
    let reuse = 0;
    const refresher = {
      isFresh: (t: StoredTokenSet) => t.expiresAt! > Date.now(),
      async refresh(t: StoredTokenSet) {
        if (spent.has(t.refreshToken!)) reuse++;
        spent.add(t.refreshToken!);
        await new Promise((r) => setImmediate(r));
        generation++;
        return { ...t, accessToken: `at-${generation}`, refreshToken: `rt-${generation}`, expiresAt: Date.now() - 1 /* stale again at once */, lastRefreshedAt: Date.now() };
      },
    };
    for (let round = 0; round < 20; round++) {
      // Mark the token fresh for exactly one refresh per round: whoever wins refreshes, others see fresh.
      const freshUntilRound = { ...refresher, isFresh: (t: StoredTokenSet) => t.refreshToken === `rt-${round + 1}` };
      const results = await Promise.all([0, 1, 0, 1].map((i) => replicas[i]!.refreshUnderLock(alice, freshUntilRound)));
      for (const r of results) expect(r?.tokens.refreshToken).toBe(`rt-${round + 1}`);
    }
    expect(reuse).toBe(0);
    expect(generation).toBe(20);
    expect((await replicas[1]!.get(alice))?.tokens.refreshToken).toBe('rt-20');
  });

  it('refreshUnderLock: a failed refresh stores the plain reason and releases the lease', async () => {
    const v = await vault();
    await v.put(alice, { ...tokensOf('a'), expiresAt: Date.now() - 1 });
    const err = Object.assign(new Error('invalid_grant'), { error: 'invalid_grant' });
    await expect(
      v.refreshUnderLock(alice, {
        isFresh: () => false,
        refresh: async () => { throw err; },
        onFailure: (t) => ({ ...t, reconnectNeeded: true, lastError: 'the provider rejected the refresh token; consent again' }),
      }),
    ).rejects.toBe(err);
    const after = await v.get(alice);
    expect(after?.tokens.reconnectNeeded).toBe(true);
    expect(await v.countAuthorized('mcp', 'gw1')).toBe(0);
    // The next attempt returns at once (no lease left behind, no refresh of a dead chain).
    const again = await v.refreshUnderLock(alice, { isFresh: () => false, refresh: async () => { throw new Error('must not be called'); } });
    expect(again?.tokens.reconnectNeeded).toBe(true);
  });

  it('refuses path-traversal in names with a clear error', async () => {
    const v = await vault();
    await expect(v.put({ ...alice, namespace: '../etc' }, tokensOf('x'))).rejects.toBeInstanceOf(VaultError);
  });
});

describe('read cache (readCacheMs)', () => {
  function countingStore() {
    const inner = new FileRecordStore({ dataDir });
    let reads = 0;
    const pages: Array<{ limit: number; items: number }> = [];
    const store: RecordStore = {
      read: (location) => {
        reads++;
        return inner.read(location);
      },
      write: (location, record, expected) => inner.write(location, record, expected),
      remove: (location) => inner.remove(location),
      list: async (namespace, gatewayId, page) => {
        const got = await inner.list(namespace, gatewayId, page);
        pages.push({ limit: page.limit, items: got.items.length });
        return got;
      },
      describe: (location) => inner.describe(location),
    };
    return { store, reads: () => reads, pages };
  }

  it('serves repeated reads from memory; writes and deletes through the vault are visible at once', async () => {
    const { store, reads } = countingStore();
    const v = new EncryptedTokenVault({ store, keyring: Keyring.generate(), readCacheMs: 60_000 });
    await v.put(alice, tokensOf('one'));
    for (let i = 0; i < 5; i++) expect((await v.get(alice))?.tokens.accessToken).toBe('at-SECRET-one');
    // The put's: it reads the stored generation to write a higher one, and once where an earlier
    // version or vault key kept the record (vault/encrypted-vault.ts, user hash).
    expect(reads()).toBe(2);

    await v.put(alice, tokensOf('two'));
    expect((await v.get(alice))?.tokens.accessToken).toBe('at-SECRET-two');
    await v.delete(alice);
    expect(await v.get(alice)).toBeUndefined();
    expect(await v.get(alice)).toBeUndefined();
    expect(reads()).toBe(5); // second put + 2 gets: absent records are not cached, a consent stored elsewhere shows at once
  });

  it('stays within its bounds, least recently used out first, and a token evicted from it is read again correctly', async () => {
    const { store, reads } = countingStore();
    const v = new EncryptedTokenVault({ store, keyring: Keyring.generate(), readCacheMs: 60_000, readCacheMax: { entries: 3 } });
    const users = ['u0', 'u1', 'u2', 'u3'].map((user) => ({ ...alice, user }));
    for (const [i, ref] of users.entries()) await v.put(ref, tokensOf(`user${i}`));
    expect(v.cached.entries).toBe(3);
    const before = reads();
    expect((await v.get(users[0]!))?.tokens.accessToken).toBe('at-SECRET-user0'); // evicted (least recently used): read again
    expect(reads()).toBe(before + 1);
    expect((await v.get(users[3]!))?.tokens.accessToken).toBe('at-SECRET-user3'); // held
    expect(reads()).toBe(before + 1);
    expect(v.cached.entries).toBe(3);

    const small = new EncryptedTokenVault({ store, keyring: Keyring.generate(), readCacheMs: 60_000, readCacheMax: { bytes: 2_000 } });
    for (const [i, ref] of users.entries()) await small.put({ ...ref, gatewayId: 'gw-small' }, tokensOf(`small${i}`.repeat(20)));
    expect(small.cached.bytes).toBeLessThanOrEqual(2_000);
    expect(small.cached.entries).toBeLessThan(4);
    for (const [i, ref] of users.entries()) expect((await small.get({ ...ref, gatewayId: 'gw-small' }))?.tokens.accessToken).toBe(`at-SECRET-${`small${i}`.repeat(20)}`);
  });

  it('lists a gateway a store page at a time: every record once, never all of them in one read', async () => {
    const { store, pages } = countingStore();
    const v = new EncryptedTokenVault({ store, keyring: Keyring.generate() });
    const n = LIST_PAGE_SIZE * 2 + 7;
    await Promise.all(Array.from({ length: n }, (_, i) => v.put({ ...alice, gatewayId: 'gw-many', user: `user-${i}` }, tokensOf(String(i)))));
    const seen = new Set<string>();
    for await (const entry of v.entriesByGateway('mcp', 'gw-many')) seen.add(entry.ref.user);
    expect(seen.size).toBe(n);
    expect(pages.map((p) => p.items)).toEqual([LIST_PAGE_SIZE, LIST_PAGE_SIZE, 7]);
    expect(pages.every((p) => p.limit === LIST_PAGE_SIZE)).toBe(true);
    expect(await v.countAuthorized('mcp', 'gw-many')).toBe(n);
    expect((await v.listByGateway('mcp', 'gw-many')).entries).toHaveLength(n);
  });

  it('refreshUnderLock always reads the store, never a cached copy', async () => {
    const { store, reads } = countingStore();
    const v = new EncryptedTokenVault({ store, keyring: Keyring.generate(), readCacheMs: 60_000 });
    await v.put(alice, { ...tokensOf('a'), expiresAt: Date.now() - 1 });
    const refreshed = await v.refreshUnderLock(alice, { isFresh: (t) => t.expiresAt! > Date.now(), refresh: async (t) => ({ ...t, accessToken: 'at-new', expiresAt: Date.now() + 60_000 }) });
    expect(refreshed?.tokens.accessToken).toBe('at-new');
    expect(reads()).toBeGreaterThan(0);
    expect((await v.get(alice))?.tokens.accessToken).toBe('at-new');
  });
});
