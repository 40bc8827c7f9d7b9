/**
 * {@link TokenVault} over any {@link RecordStore}: seals on write, opens on read, and runs the
 * cross-replica refresh lease. Works the same on files and on Kubernetes Secrets.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { open, seal, sealedGeneration, sealedKid } from './crypto.ts';
import { isVaultError, VaultError } from './errors.ts';
import type { Keyring } from './keyring.ts';
import type { RecordLocation, RecordStore, SealedRecord, VersionedRecord } from './record-store.ts';
import { StoredTokenSet, type StoredTokenSetInput } from './token-set.ts';
import type { PutOptions, Refresher, RefreshOptions, TokenEntry, TokenRef, TokenVault } from './token-vault.ts';
import { UserPlaces } from './user-places.ts';

export interface EncryptedTokenVaultOptions {
  store: RecordStore;
  keyring: Keyring;
  /** How long a refresh lease lasts; must exceed the provider's token request timeout. Defaults to 30 s. */
  leaseMs?: number;
  /** Identifies this replica in leases. Defaults to `<hostname>-<pid>-<random>`. */
  holder?: string;
  /**
   * Serve `get` from memory for this long (0 = always read the store). Writes, deletes and
   * refreshes through this instance update the cache at once; another replica's changes show after
   * at most this delay (an access token stays valid until it expires, so a few seconds are safe;
   * `refreshUnderLock` always reads the store). Saves an API round trip per upstream request with
   * the Secret backend. Defaults to 0.
   */
  readCacheMs?: number;
  /** Bounds of the read cache: entries (default 10,000) and approximate bytes of the tokens held (default 8 MiB). Least recently used go first. */
  readCacheMax?: { entries?: number; bytes?: number };
}

/** Generations seen are kept for this many records, oldest forgotten first. */
const CACHE_MAX = 10_000;
/** Records of a gateway read from the store at a time (one Secret list page): listing never holds them all. */
export const LIST_PAGE_SIZE = 250;
export class EncryptedTokenVault implements TokenVault {
  readonly #store: RecordStore;
  readonly #keyring: Keyring;
  readonly #leaseMs: number;
  readonly #holder: string;
  readonly #inFlight = new Map<string, Promise<TokenEntry | undefined>>();
  readonly #readCacheMs: number;
  /** Read cache, least recently used first; `bytes` = approximate size of the entry's tokens. */
  readonly #cache = new Map<string, { entry: TokenEntry; until: number; bytes: number }>();
  #cacheBytes = 0;
  readonly #cacheMaxEntries: number;
  readonly #cacheMaxBytes: number;
  /** Highest generation read or written per record: an older ciphertext written back is refused. */
  readonly #seen = new Map<string, number>();
  readonly #places: UserPlaces;

  constructor(options: EncryptedTokenVaultOptions) {
    this.#store = options.store;
    this.#keyring = options.keyring;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#holder = options.holder ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.#readCacheMs = options.readCacheMs ?? 0;
    this.#cacheMaxEntries = options.readCacheMax?.entries ?? 10_000;
    this.#cacheMaxBytes = options.readCacheMax?.bytes ?? 8 * 1024 * 1024;
    this.#places = new UserPlaces(options.keyring);
  }

  /**
   * `ref`'s record at its place; a record still at a former place (an older key's hash, or the
   * unkeyed hash of earlier versions) is moved there first: its tokens ciphertext names the user,
   * not the place, so it moves as it is (generation included) with its subject re-sealed for the
   * new place, and the old copy is deleted. Costs one read when the record is in place.
   */
  async #read(ref: TokenRef): Promise<VersionedRecord | undefined> {
    const location = this.#places.locate(ref);
    const record = await this.#store.read(location);
    if (record !== undefined) return record;
    if (!this.#places.formerCheckDue(ref)) return undefined;
    for (const former of this.#places.former(ref)) {
      const found = await this.#store.read(former);
      if (found === undefined) continue;
      // Opens as this user's tokens, or it is not theirs to move.
      open(this.#keyring, found.tokens, tokensContext(ref), this.#store.describe(former));
      const moved: SealedRecord = { tokens: found.tokens, subject: seal(this.#keyring, Buffer.from(ref.user, 'utf8'), subjectContext(location)), state: found.state };
      let version: string;
      try {
        version = await this.#store.write(location, moved, null);
      } catch (error) {
        if (!isVaultError(error, 'ERR_VAULT_CONFLICT')) throw error;
        return this.#store.read(location); // another replica moved it (or a new consent arrived) first
      }
      await this.#store.remove(former);
      return { ...moved, version };
    }
    return undefined;
  }

  async get(ref: TokenRef): Promise<TokenEntry | undefined> {
    const key = cacheKey(ref);
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.until > Date.now()) {
      this.#cache.delete(key); // most recently used now
      this.#cache.set(key, hit);
      return hit.entry;
    }
    const location = this.#places.locate(ref);
    const record = await this.#read(ref);
    const entry = record === undefined ? undefined : this.#open(ref, location, record);
    this.#remember(ref, entry);
    return entry;
  }

  async put(ref: TokenRef, tokens: StoredTokenSetInput, options: PutOptions = {}): Promise<TokenEntry> {
    const location = this.#places.locate(ref);
    const parsed = StoredTokenSet.parse(tokens);
    const current = await this.#read(ref);
    const generation = nextGeneration(current === undefined ? 0 : (sealedGeneration(current.tokens) ?? 0), this.#seen.get(cacheKey(ref)) ?? 0);
    const record = this.#seal(ref, location, parsed, generation);
    this.#forget(cacheKey(ref));
    const version = await this.#store.write(location, record, options.ifVersion);
    const entry = { ref, tokens: parsed, version, kid: this.#keyring.active.kid, generation };
    this.#noteGeneration(ref, generation);
    this.#remember(ref, entry);
    return entry;
  }

  #noteGeneration(ref: TokenRef, generation: number): void {
    const key = cacheKey(ref);
    const seen = this.#seen.get(key) ?? 0;
    this.#seen.delete(key);
    if (this.#seen.size >= CACHE_MAX) this.#seen.delete(this.#seen.keys().next().value as string);
    this.#seen.set(key, Math.max(seen, generation));
  }

  async delete(ref: TokenRef): Promise<boolean> {
    this.#forget(cacheKey(ref));
    const removed = await Promise.all([this.#places.locate(ref), ...this.#places.former(ref)].map((l) => this.#store.remove(l)));
    return removed.some(Boolean);
  }

  /**
   * Caches found entries only: a consent stored by another replica shows at once. Bounded in
   * entries and bytes, least recently used out first; expired entries at the old end go too, so an
   * idle replica holds only what was used within the last `readCacheMs`.
   */
  #remember(ref: TokenRef, entry: TokenEntry | undefined): void {
    const key = cacheKey(ref);
    this.#forget(key);
    if (this.#readCacheMs <= 0 || entry === undefined) return;
    const now = Date.now();
    const bytes = 2 * (key.length + JSON.stringify(entry.tokens).length) + 256;
    this.#cache.set(key, { entry, until: now + this.#readCacheMs, bytes });
    this.#cacheBytes += bytes;
    for (const [oldest, held] of this.#cache) {
      if (this.#cache.size <= this.#cacheMaxEntries && this.#cacheBytes <= this.#cacheMaxBytes && held.until > now) break;
      this.#forget(oldest);
    }
  }

  #forget(key: string): void {
    const held = this.#cache.get(key);
    if (held === undefined) return;
    this.#cache.delete(key);
    this.#cacheBytes -= held.bytes;
  }

  /** The read cache's size now (entries, approximate bytes). */
  get cached(): { entries: number; bytes: number } {
    return { entries: this.#cache.size, bytes: this.#cacheBytes };
  }

  /** Every record of a gateway, a store page at a time (`LIST_PAGE_SIZE`). */
  async *#records(namespace: string, gatewayId: string): AsyncGenerator<{ location: RecordLocation; record: VersionedRecord }> {
    let next: string | undefined;
    do {
      const page = await this.#store.list(namespace, gatewayId, next === undefined ? { limit: LIST_PAGE_SIZE } : { limit: LIST_PAGE_SIZE, continue: next });
      yield* page.items;
      next = page.continue;
    } while (next !== undefined);
  }

  /** The user records of a gateway opened one store page at a time; `undefined` for one that does not open with the keyring. */
  async *#entries(namespace: string, gatewayId: string): AsyncGenerator<TokenEntry | undefined> {
    for await (const { location, record } of this.#records(namespace, gatewayId)) {
      if (record.state === 'document') continue;
      try {
        const user = open(this.#keyring, record.subject, subjectContext(location), this.#store.describe(location)).toString('utf8');
        if (!this.#places.isPlaceOf({ namespace, gatewayId, user }, location)) throw new VaultError('ERR_VAULT_DECRYPT', `token record ${this.#store.describe(location)} names another user`);
        yield this.#open({ namespace, gatewayId, user }, location, record);
      } catch (error) {
        if (!isVaultError(error)) throw error;
        yield undefined;
      }
    }
  }

  async *entriesByGateway(namespace: string, gatewayId: string): AsyncGenerator<TokenEntry> {
    for await (const entry of this.#entries(namespace, gatewayId)) if (entry !== undefined) yield entry;
  }

  async listByGateway(namespace: string, gatewayId: string): Promise<{ entries: TokenEntry[]; skipped: number }> {
    const entries: TokenEntry[] = [];
    let skipped = 0;
    for await (const entry of this.#entries(namespace, gatewayId)) {
      if (entry === undefined) skipped++;
      else entries.push(entry);
    }
    return { entries, skipped };
  }

  async countAuthorized(namespace: string, gatewayId: string): Promise<number> {
    let n = 0;
    for await (const { record } of this.#records(namespace, gatewayId)) if (record.state === 'active') n++;
    return n;
  }

  async getDocument(namespace: string, gatewayId: string, name: string): Promise<{ value: unknown; version: string } | undefined> {
    const location = documentLocation(namespace, gatewayId, name);
    const record = await this.#store.read(location);
    if (record === undefined) return undefined;
    const where = this.#store.describe(location);
    const plaintext = open(this.#keyring, record.tokens, documentContext(namespace, gatewayId, name), where);
    try {
      return { value: JSON.parse(plaintext.toString('utf8')), version: record.version };
    } catch {
      throw new VaultError('ERR_VAULT_RECORD_MALFORMED', `document ${where} opened but is not JSON`);
    }
  }

  async putDocument(namespace: string, gatewayId: string, name: string, value: unknown, options: PutOptions = {}): Promise<string> {
    const location = documentLocation(namespace, gatewayId, name);
    const record: SealedRecord = {
      tokens: seal(this.#keyring, Buffer.from(JSON.stringify(value), 'utf8'), documentContext(namespace, gatewayId, name)),
      subject: seal(this.#keyring, Buffer.from(name, 'utf8'), subjectContext(location)),
      state: 'document',
    };
    return this.#store.write(location, record, options.ifVersion);
  }

  async deleteDocument(namespace: string, gatewayId: string, name: string): Promise<boolean> {
    return this.#store.remove(documentLocation(namespace, gatewayId, name));
  }

  async listDocuments(namespace: string, gatewayId: string): Promise<Array<{ name: string; value: unknown; version: string }>> {
    const out: Array<{ name: string; value: unknown; version: string }> = [];
    for await (const { location, record } of this.#records(namespace, gatewayId)) {
      if (record.state !== 'document') continue;
      try {
        const name = open(this.#keyring, record.subject, subjectContext(location), this.#store.describe(location)).toString('utf8');
        const doc = await this.getDocument(namespace, gatewayId, name);
        if (doc !== undefined) out.push({ name, ...doc });
      } catch (error) {
        if (!isVaultError(error)) throw error;
      }
    }
    return out;
  }

  refreshUnderLock(ref: TokenRef, refresher: Refresher, options: RefreshOptions = {}): Promise<TokenEntry | undefined> {
    const key = cacheKey(ref);
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;
    const flight = this.#refresh(ref, refresher, options)
      .then((entry) => {
        this.#remember(ref, entry);
        return entry;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, flight);
    return flight;
  }

  async #refresh(ref: TokenRef, refresher: Refresher, options: RefreshOptions): Promise<TokenEntry | undefined> {
    const location = this.#places.locate(ref);
    const where = this.#store.describe(location);
    const waitUntil = Date.now() + 2 * this.#leaseMs;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      const record = await this.#read(ref);
      if (record === undefined) return undefined;
      const entry = this.#open(ref, location, record);
      if (entry.tokens.reconnectNeeded || refresher.isFresh(entry.tokens)) return entry;

      const lease = record.lease;
      if (lease !== undefined && lease.holder !== this.#holder && lease.expiresAt > Date.now()) {
        if (Date.now() > waitUntil) {
          throw new VaultError('ERR_VAULT_LOCK_TIMEOUT', `token record ${where}: another replica (${lease.holder}) has held the refresh lease for too long`);
        }
        await sleep(Math.min(10 * 2 ** Math.min(attempt, 6), 250), undefined, { signal: options.signal });
        continue;
      }

      let leasedVersion: string;
      try {
        leasedVersion = await this.#store.write(
          location,
          { tokens: record.tokens, subject: record.subject, state: record.state, lease: { holder: this.#holder, expiresAt: Date.now() + this.#leaseMs } },
          record.version,
        );
      } catch (error) {
        if (isVaultError(error, 'ERR_VAULT_CONFLICT')) continue; // someone else moved first: re-read
        throw error;
      }

      let next: StoredTokenSet;
      try {
        next = StoredTokenSet.parse(await refresher.refresh(entry.tokens, options.signal));
      } catch (error) {
        const failed = refresher.onFailure?.(entry.tokens, error);
        // The refresh error is what the caller must see; a lease we fail to release expires by itself.
        await this.#release(ref, location, failed === undefined ? entry.tokens : StoredTokenSet.parse(failed), leasedVersion, entry).catch(() => {});
        throw error;
      }
      return this.#release(ref, location, next, leasedVersion, entry);
    }
  }

  /** Stores `tokens` and drops the lease. The new tokens are never lost to a conflict. */
  async #release(ref: TokenRef, location: RecordLocation, tokens: StoredTokenSet, leasedVersion: string, before: TokenEntry): Promise<TokenEntry> {
    let expected: string | undefined = leasedVersion;
    let generation = nextGeneration(before.generation, 0);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const version = await this.#store.write(location, this.#seal(ref, location, tokens, generation), expected);
        this.#noteGeneration(ref, generation);
        return { ref, tokens, version, kid: this.#keyring.active.kid, generation };
      } catch (error) {
        if (!isVaultError(error, 'ERR_VAULT_CONFLICT')) throw error;
        // Our lease was overrun (it expired, or a new consent was stored). A newer consent wins;
        // otherwise our freshly rotated tokens are the only valid ones: store them regardless.
        const current = await this.get(ref).catch(() => undefined);
        // Deleted meanwhile (the user disconnected, the gateway went away): do not resurrect it.
        if (current === undefined) return { ref, tokens, version: '', kid: this.#keyring.active.kid, generation };
        if (current.tokens.obtainedAt > before.tokens.obtainedAt) return current;
        expected = current.version;
        generation = nextGeneration(current.generation, 0);
      }
    }
    throw new VaultError('ERR_VAULT_CONFLICT', `token record ${this.#store.describe(location)}: could not store refreshed tokens after 5 attempts`);
  }

  #seal(ref: TokenRef, location: RecordLocation, tokens: StoredTokenSet, generation: number): SealedRecord {
    return {
      tokens: seal(this.#keyring, Buffer.from(JSON.stringify(tokens), 'utf8'), tokensContext(ref), generation),
      subject: seal(this.#keyring, Buffer.from(ref.user, 'utf8'), subjectContext(location)),
      state: tokens.reconnectNeeded ? 'reconnect-needed' : 'active',
    };
  }

  #open(ref: TokenRef, location: RecordLocation, record: VersionedRecord): TokenEntry {
    const where = this.#store.describe(location);
    const plaintext = open(this.#keyring, record.tokens, tokensContext(ref), where);
    let json: unknown;
    try {
      json = JSON.parse(plaintext.toString('utf8'));
    } catch {
      throw new VaultError('ERR_VAULT_RECORD_MALFORMED', `token record ${where} opened but is not JSON`);
    }
    const parsed = StoredTokenSet.safeParse(json);
    if (!parsed.success) {
      throw new VaultError('ERR_VAULT_RECORD_MALFORMED', `token record ${where}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    }
    // Authentic now (the generation is part of the AAD the record just opened with).
    const generation = sealedGeneration(record.tokens) ?? 0;
    const seen = this.#seen.get(cacheKey(ref)) ?? 0;
    if (generation < seen) {
      throw new VaultError(
        'ERR_VAULT_STALE_RECORD',
        `token record ${where} is generation ${generation}, older than generation ${seen} this replica already read or wrote: an old copy was written back over a newer one; refusing it (the user must connect again if the newer record is gone)`,
      );
    }
    this.#noteGeneration(ref, generation);
    return { ref, tokens: parsed.data, version: record.version, kid: sealedKid(record.tokens) ?? '', generation };
  }
}

/**
 * The generation of a record's next write: above the stored one and any this process has seen, and
 * at least the current time in ms, so a record deleted and stored again (a Disconnect, then a new
 * consent, perhaps on another replica) still outranks every copy of the old one. The stored
 * generation is read unauthenticated: a forged high number only raises ours.
 */
function nextGeneration(stored: number, seen: number, now = Date.now()): number {
  return Math.max(stored + 1, seen + 1, now);
}

function cacheKey(ref: TokenRef): string {
  return JSON.stringify([ref.namespace, ref.gatewayId, ref.user]);
}

/** Documents live beside user records under a `doc-` hash that no user hash (40 hex) can equal. */
function documentLocation(namespace: string, gatewayId: string, name: string): RecordLocation {
  return { namespace, gatewayId, userHash: `doc-${createHash('sha256').update(`mcp-gitops.dev/document\n${name}`).digest('hex').slice(0, 36)}` };
}

function documentContext(namespace: string, gatewayId: string, name: string) {
  return { namespace, gatewayId, user: `document:${name}`, purpose: 'document' };
}

function tokensContext(ref: TokenRef) {
  return { namespace: ref.namespace, gatewayId: ref.gatewayId, user: ref.user, purpose: 'tokens' };
}

function subjectContext(location: RecordLocation) {
  return { namespace: location.namespace, gatewayId: location.gatewayId, user: location.userHash, purpose: 'subject' };
}
