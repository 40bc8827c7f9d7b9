/**
 * Server-side sessions of the connections page, bounded: the {@link SessionStore} contract, and
 * {@link MemorySessionStore} (one process's memory; `vault-session-store.ts` is the one every
 * replica shares, used by the page).
 *
 * - The cookie carries only a random 256-bit id; the store keys sessions by its SHA-256, so a
 *   heap dump or a log line with a key does not give a usable cookie.
 * - A session ends after `idleMs` without a request (default 15 min) or `maxAgeMs` after sign-in
 *   (default 8 h), whichever comes first.
 * - At most `maxSessions` (default 10 000); the least recently used is dropped first.
 * - Each session has its own CSRF token (synchronizer pattern), minted at sign-in.
 *
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Session {
  /** The identity provider's `sub` (the same user as the agent JWT's `sub`). */
  readonly user: string;
  readonly groups: readonly string[];
  /** Synchronizer token for the page's forms. */
  readonly csrfToken: string;
  readonly createdAt: number;
  lastSeenAt: number;
  /** A one-time notice shown on the next page view (e.g. "Disconnected atlassian-rovo."). */
  flash?: { kind: 'ok' | 'problem'; text: string } | undefined;
}

export interface SessionStoreOptions {
  /** Defaults to 15 minutes. */
  idleMs?: number;
  /** Defaults to 8 hours. */
  maxAgeMs?: number;
  /** Defaults to 10 000. */
  maxSessions?: number;
  /** Live sessions one user may hold at once (shared store only); the next sign-in is refused with 429. Defaults to 20. */
  maxSessionsPerUser?: number;
  /** Defaults to `Date.now`. */
  now?: () => number;
}

/** What the page's routes need from a session store. Every method may reach a shared store. */
export interface SessionStore {
  /** Starts a session for a signed-in user; returns the cookie value (the only copy of the id). */
  create(user: string, groups: readonly string[]): Promise<{ id: string; session: Session }>;
  /** The live session for a cookie value (and marks it used), or undefined when absent or expired. */
  get(id: string | undefined): Promise<Session | undefined>;
  /** Stores a change to a session read with `get` (its `flash`). */
  save(id: string, session: Session): Promise<void>;
  destroy(id: string | undefined): Promise<void>;
}

export function key(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Sessions in this process only (a user whose request reaches another replica must sign in again). */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #maxAgeMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.#idleMs = options.idleMs ?? 15 * 60_000;
    this.#maxAgeMs = options.maxAgeMs ?? 8 * 3600_000;
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  async create(user: string, groups: readonly string[]): Promise<{ id: string; session: Session }> {
    const now = this.#now();
    while (this.#sessions.size >= this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    const session: Session = { user, groups: Object.freeze([...groups]), csrfToken: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now };
    this.#sessions.set(key(id), session);
    return { id, session };
  }

  async get(id: string | undefined): Promise<Session | undefined> {
    if (id === undefined || id.length === 0 || id.length > 128) return undefined;
    const k = key(id);
    const session = this.#sessions.get(k);
    if (session === undefined) return undefined;
    const now = this.#now();
    if (now - session.lastSeenAt > this.#idleMs || now - session.createdAt > this.#maxAgeMs) {
      this.#sessions.delete(k);
      return undefined;
    }
    session.lastSeenAt = now;
    // Re-insert: Map order is then least recently used first, which `create` evicts.
    this.#sessions.delete(k);
    this.#sessions.set(k, session);
    return session;
  }

  async save(): Promise<void> {
    // The session object is the stored one.
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id !== undefined) this.#sessions.delete(key(id));
  }
}
