/**
 * A per-user bound on the vault documents a signed-in user can make the proxy create (pending
 * consent flows, connections-page sessions; each is a Secret in-cluster), shared by every replica.
 *
 * Each user has one index document listing what they hold (document names and when each ends at
 * the latest). `admit` adds an entry with a compare-and-swap, so replicas admitting at once cannot
 * both take the last place. At the bound it first asks `live` about each listed entry (a flow taken,
 * a session signed out or idle, leaves the count), then refuses with the time until the first place
 * frees up. The index is named by an HMAC of the user under the caller's key, so neither a Secret's
 * name nor its labels reveal a guessable hash of the user id; its content is sealed like any document.
 *
 * @example
 *   const quota = new UserQuota(vault, { kind: 'oauth-pending', key, max: 10 });
 *   const admission = await quota.admit('alice', { name: 'flow:…', expiresAt: Date.now() + 600_000 }, isLive);
 *   if (!admission.admitted) throw tooMany(admission.retryAfterMs);
 */
import { createHmac } from 'node:crypto';
import { isVaultError } from './errors.ts';
import type { TokenVault } from './token-vault.ts';

/** Where the indexes live: a pseudo-gateway per kind that no registration can have (ids are 32 hex). */
export const QUOTA_NAMESPACE = 'mcp-gitops';

export interface QuotaEntry {
  /** The name of the document the entry stands for. */
  name: string;
  /** Epoch ms after which the entry no longer counts, whatever `live` would say. */
  expiresAt: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterMs: number };

/** Says until when (epoch ms) the document `name` still counts, or undefined when it no longer does. */
export type Liveness = (name: string) => Promise<number | undefined>;

export interface UserQuotaOptions {
  /** What is counted (`oauth-pending`, `connections-sessions`): the index's pseudo-gateway is `quota-<kind>`. */
  kind: string;
  /** HMAC key naming each user's index (at least 32 bytes; every replica the same). */
  key: Uint8Array;
  /** Entries a user may hold at once. */
  max: number;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/** Compare-and-swap attempts before a burst of one user's own requests is answered "try again". */
const ATTEMPTS = 5;

interface Index {
  entries: QuotaEntry[];
  /** The latest `expiresAt` of the entries: the index is garbage after it (`sweep`). */
  expiresAt: number;
}

export class UserQuota {
  readonly #vault: TokenVault;
  readonly #o: UserQuotaOptions;
  readonly #gateway: string;

  constructor(vault: TokenVault, options: UserQuotaOptions) {
    if (options.key.byteLength < 32) throw new TypeError('UserQuota: key must be at least 32 bytes');
    if (!Number.isInteger(options.max) || options.max < 1) throw new TypeError(`UserQuota: max must be a positive integer, not ${options.max}`);
    this.#vault = vault;
    this.#o = options;
    this.#gateway = `quota-${options.kind}`;
  }

  get max(): number {
    return this.#o.max;
  }

  /** Counts `entry` for `user` unless they hold `max` live entries already. */
  async admit(user: string, entry: QuotaEntry, live: Liveness): Promise<Admission> {
    const name = this.#indexName(user);
    const now = this.#o.now ?? Date.now;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const doc = await this.#vault.getDocument(QUOTA_NAMESPACE, this.#gateway, name);
      let entries = entriesOf(doc?.value).filter((e) => e.expiresAt > now() && e.name !== entry.name);
      if (entries.length >= this.#o.max) {
        const checked: QuotaEntry[] = [];
        for (const e of entries) {
          const until = await live(e.name);
          if (until !== undefined && until > now()) checked.push({ name: e.name, expiresAt: Math.min(until, e.expiresAt) });
        }
        entries = checked;
        if (entries.length >= this.#o.max) return { admitted: false, retryAfterMs: Math.max(1000, Math.min(...entries.map((e) => e.expiresAt)) - now()) };
      }
      const next = [...entries, entry];
      const index: Index = { entries: next, expiresAt: Math.max(...next.map((e) => e.expiresAt)) };
      try {
        await this.#vault.putDocument(QUOTA_NAMESPACE, this.#gateway, name, index, { ifVersion: doc?.version ?? null });
        return { admitted: true };
      } catch (error) {
        if (!isVaultError(error, 'ERR_VAULT_CONFLICT')) throw error;
      }
    }
    return { admitted: false, retryAfterMs: 1000 };
  }

  /** Deletes the indexes whose every entry has ended; returns how many. */
  async sweep(): Promise<number> {
    const now = (this.#o.now ?? Date.now)();
    let removed = 0;
    for (const doc of await this.#vault.listDocuments(QUOTA_NAMESPACE, this.#gateway)) {
      const expiresAt = (doc.value as Partial<Index> | undefined)?.expiresAt;
      if ((typeof expiresAt !== 'number' || expiresAt <= now) && (await this.#vault.deleteDocument(QUOTA_NAMESPACE, this.#gateway, doc.name))) removed++;
    }
    return removed;
  }

  #indexName(user: string): string {
    return `user:${createHmac('sha256', this.#o.key).update(`mcp-gitops.dev/quota/${this.#o.kind}\n${user}`, 'utf8').digest('hex')}`;
  }
}

function entriesOf(value: unknown): QuotaEntry[] {
  const entries = (value as Partial<Index> | undefined)?.entries;
  if (!Array.isArray(entries)) return [];
  return entries.filter((e): e is QuotaEntry => typeof e?.name === 'string' && typeof e?.expiresAt === 'number');
}
