/**
 * The connections page's sessions, shared by every proxy replica: each session is a sealed vault
 * document (a file in dev, a Secret in-cluster — stores the cluster already has), so a browser
 * whose requests an ingress spreads over replicas stays signed in, and signing out ends the
 * session on every replica at once.
 *
 * Same rules as {@link MemorySessionStore}: the cookie carries a random 256-bit id with an HMAC
 * under the page key (checked before any read, so a made-up cookie costs no vault or Kubernetes API
 * call) and the document is named by the id's SHA-256; idle timeout (default 15 min) and absolute lifetime (default 8 h); at
 * most `maxSessions` (default 10 000), the least recently used dropped first. Costs per page view:
 * one document read, plus one write when the session was last marked used over a minute ago (so
 * the idle timeout is exact to a minute) or its notice changed.
 *
 * Per user: at most `maxSessionsPerUser` (default 20) live sessions (each a Secret in-cluster); a
 * sign-in beyond is refused with `ERR_CONNECTIONS_TOO_MANY_SESSIONS` (429, `Retry-After` until the
 * first of them ends) before anything is written, so one account cannot fill the store.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { UserQuota, type TokenVault } from '../../vault/index.ts';
import { ProxyError } from '../errors.ts';
import { key, type Session, type SessionStore, type SessionStoreOptions } from './session-store.ts';

/** Where sessions live in the vault: a pseudo-gateway no registration can have (ids are 32 hex). */
export const SESSIONS_NAMESPACE = 'mcp-gitops';
export const SESSIONS_GATEWAY = 'connections-sessions';
const TOUCH_EVERY_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;

export class VaultSessionStore implements SessionStore {
  readonly #vault: TokenVault;
  readonly #key: Uint8Array;
  readonly #idleMs: number;
  readonly #maxAgeMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;
  readonly #quota: UserQuota;
  /** Sessions created since the last sweep counted them (an upper bound of the stored count). */
  #estimate = 0;
  #lastSweep = 0;

  /** `key`: the page key (every replica the same), MACs the session ids. */
  constructor(vault: TokenVault, key: Uint8Array, options: SessionStoreOptions = {}) {
    this.#vault = vault;
    this.#key = key;
    this.#idleMs = options.idleMs ?? 15 * 60_000;
    this.#maxAgeMs = options.maxAgeMs ?? 8 * 3600_000;
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#quota = new UserQuota(vault, { kind: 'connections-sessions', key, max: options.maxSessionsPerUser ?? 20, now: this.#now });
  }

  async create(user: string, groups: readonly string[]): Promise<{ id: string; session: Session }> {
    if (this.#estimate + 1 > this.#maxSessions || this.#now() - this.#lastSweep > SWEEP_EVERY_MS) await this.sweep(this.#maxSessions - 1);
    const now = this.#now();
    const random = randomBytes(32).toString('base64url');
    const id = `${random}.${this.#mac(random)}`;
    const name = documentName(id);
    const admission = await this.#quota.admit(user, { name, expiresAt: now + this.#maxAgeMs }, (n) => this.#liveUntil(n));
    if (!admission.admitted) {
      const seconds = Math.ceil(admission.retryAfterMs / 1000);
      throw new ProxyError('ERR_CONNECTIONS_TOO_MANY_SESSIONS', `this account is signed in ${this.#quota.max} times already, the most one account may be; sign out elsewhere or try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
    }
    const session: Session = { user, groups: Object.freeze([...groups]), csrfToken: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now };
    await this.#vault.putDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, name, session, { ifVersion: null });
    this.#estimate++;
    return { id, session };
  }

  async get(id: string | undefined): Promise<Session | undefined> {
    if (!this.#genuine(id)) return undefined;
    const name = documentName(id);
    const doc = await this.#vault.getDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, name);
    const session = doc?.value as Session | undefined;
    if (session === undefined || typeof session.lastSeenAt !== 'number' || typeof session.createdAt !== 'number') return undefined;
    const now = this.#now();
    if (this.#expired(session, now)) {
      await this.#vault.deleteDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, name);
      return undefined;
    }
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
      session.lastSeenAt = now;
      await this.#vault.putDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, name, session);
    }
    return session;
  }

  async save(id: string, session: Session): Promise<void> {
    await this.#vault.putDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, documentName(id), { ...session, lastSeenAt: this.#now() });
  }

  async destroy(id: string | undefined): Promise<void> {
    if (this.#genuine(id)) await this.#vault.deleteDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, documentName(id));
  }

  /** Until when a session still counts against its user (idle or absolute end): undefined once it ended. */
  async #liveUntil(name: string): Promise<number | undefined> {
    const s = (await this.#vault.getDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, name))?.value as Partial<Session> | undefined;
    if (typeof s?.lastSeenAt !== 'number' || typeof s.createdAt !== 'number') return undefined;
    return Math.min(s.lastSeenAt + this.#idleMs, s.createdAt + this.#maxAgeMs);
  }

  #mac(random: string): string {
    return createHmac('sha256', this.#key).update(`connections-session:${random}`, 'utf8').digest('base64url');
  }

  /** True for an id this page issued (its MAC verifies); no I/O. */
  #genuine(id: string | undefined): id is string {
    if (id === undefined || id.length > 128) return false;
    const [random, mac] = id.split('.');
    if (random === undefined || mac === undefined || random.length === 0) return false;
    const expected = Buffer.from(this.#mac(random), 'utf8');
    const given = Buffer.from(mac, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Deletes expired sessions, then the least recently used beyond `keep`. */
  async sweep(keep = this.#maxSessions): Promise<void> {
    this.#lastSweep = this.#now();
    const now = this.#now();
    const live: Array<{ name: string; lastSeenAt: number }> = [];
    for (const doc of await this.#vault.listDocuments(SESSIONS_NAMESPACE, SESSIONS_GATEWAY)) {
      const s = doc.value as Partial<Session> | undefined;
      if (typeof s?.lastSeenAt !== 'number' || typeof s.createdAt !== 'number' || this.#expired(s as Session, now)) await this.#vault.deleteDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, doc.name);
      else live.push({ name: doc.name, lastSeenAt: s.lastSeenAt });
    }
    live.sort((a, b) => a.lastSeenAt - b.lastSeenAt);
    while (live.length > keep) await this.#vault.deleteDocument(SESSIONS_NAMESPACE, SESSIONS_GATEWAY, live.shift()!.name);
    this.#estimate = live.length;
    await this.#quota.sweep();
  }

  #expired(s: Session, now: number): boolean {
    return now - s.lastSeenAt > this.#idleMs || now - s.createdAt > this.#maxAgeMs;
  }
}

/** The cookie value never names a stored document: a hash of it does. */
function documentName(id: string): string {
  return `session:${key(id)}`;
}
