/**
 * The agent-session table: bounded, with idle expiry. An agent session is bound to one virtual
 * server and one user at `initialize`; its id is its sealed state (`session-id.ts`), so the table
 * only holds what is live on this replica. A Streamable HTTP session also drops its SDK server
 * `shedAfterMs` after the last request that needed it (`streamable-session.ts`).
 *
 * Defaults: at most 10000 sessions; a session idle for 30 minutes is closed (the sweep runs every
 * minute, or every `idleMs / 2` when shorter). When the table is full, the longest-idle session
 * older than the idle limit is swept first; if none, the new session is refused (503).
 *
 * Per user at most `maxSessionsPerUser` (default 100): a user's next session closes that user's
 * least recently used one, so no user can fill the table and lock everyone else out. A closed
 * Streamable HTTP session costs its agent nothing (its sealed id rebuilds it on the next request).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { ProxyError } from '../errors.ts';
import type { AgentSessionClaims } from './session-id.ts';

function endedKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The lists whose changes agents are told of (`notifications/<list>/list_changed`). */
export type AgentListName = 'tools' | 'prompts' | 'resources';

export interface AgentSession {
  readonly id: string;
  readonly serverId: string;
  readonly user: string;
  readonly transport: 'streamable-http' | 'sse';
  /** What the session's sealed id says (Streamable HTTP sessions; the id is this state, session-id.ts). */
  readonly claims?: AgentSessionClaims;
  lastSeen: number;
  /** Serves one HTTP request of this session (`body` already parsed for POST). */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** Tells the agent one of the server's lists changed. */
  notifyListChanged(list: AgentListName): void;
  /** Closes the session's transport and server. */
  close(): Promise<void>;
}

export class SessionTable {
  readonly #sessions = new Map<string, AgentSession>();
  /** user → that user's sessions here. */
  readonly #byUser = new Map<string, Set<AgentSession>>();
  readonly #maxPerUser: number;
  /** Ended session ids (by hash) → when they expire anyway. */
  readonly #ended = new Map<string, number>();
  readonly #max: number;
  readonly #idleMs: number;
  /** How long a session keeps its SDK server after the last request it served (`streamable-session.ts`). */
  readonly shedAfterMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onCountChanged: (transport: AgentSession['transport'], delta: number) => void;

  constructor(options: { maxSessions?: number; maxSessionsPerUser?: number; idleMs?: number; shedAfterMs?: number; onCountChanged?: (transport: AgentSession['transport'], delta: number) => void } = {}) {
    this.#max = options.maxSessions ?? 10_000;
    this.shedAfterMs = options.shedAfterMs ?? 5_000;
    this.#maxPerUser = options.maxSessionsPerUser ?? 100;
    this.#idleMs = options.idleMs ?? 30 * 60_000;
    this.#onCountChanged = options.onCountChanged ?? (() => {});
    this.#timer = setInterval(() => this.sweep(), Math.min(60_000, Math.max(10, this.#idleMs / 2))).unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** How many sessions `user` holds here. */
  countOf(user: string): number {
    return this.#byUser.get(user)?.size ?? 0;
  }

  /**
   * Makes room for one more session of `user`: closes the user's least recently used session when
   * the user is at the per-user cap; throws 503 `ERR_TOO_MANY_SESSIONS` when the table is full and
   * nothing idle can be swept. Call before creating a session.
   */
  reserve(user: string): void {
    const own = this.#byUser.get(user);
    if (own && own.size >= this.#maxPerUser) {
      let oldest: AgentSession | undefined;
      for (const s of own) if (!oldest || s.lastSeen < oldest.lastSeen) oldest = s;
      this.delete(oldest!.id);
      void oldest!.close().catch(() => {}); // already removed from the table: its agent rebuilds it from its sealed id
    }
    if (this.#sessions.size < this.#max) return;
    this.sweep();
    if (this.#sessions.size >= this.#max) throw new ProxyError('ERR_TOO_MANY_SESSIONS', `the proxy holds its maximum of ${this.#max} agent sessions; retry later`, { headers: { 'retry-after': '5' } });
  }

  /** Holds `session` (call `reserve(session.user)` first; the per-user cap is enforced there). */
  add(session: AgentSession): void {
    this.#sessions.set(session.id, session);
    let own = this.#byUser.get(session.user);
    if (!own) this.#byUser.set(session.user, (own = new Set()));
    own.add(session);
    this.#onCountChanged(session.transport, 1);
  }

  /** The live session `id` (and marks it used), or undefined. */
  get(id: string): AgentSession | undefined {
    const s = this.#sessions.get(id);
    if (s) s.lastSeen = Date.now();
    return s;
  }

  /** Removes `id` from the table (its transport closed). Idempotent. */
  delete(id: string): void {
    const s = this.#sessions.get(id);
    if (!s) return;
    this.#sessions.delete(id);
    const own = this.#byUser.get(s.user);
    own?.delete(s);
    if (own?.size === 0) this.#byUser.delete(s.user);
    this.#onCountChanged(s.transport, -1);
  }

  /**
   * Records that the agent ended session `id` (`DELETE`) here, so this replica answers it 404 from
   * now on; remembered until `expiresAt` (the id's own expiry), at most `maxSessions` ids (oldest
   * forgotten first). Other replicas do not learn of it (session-id.ts).
   */
  end(id: string, expiresAt: number): void {
    const k = endedKey(id);
    this.#ended.delete(k);
    this.#ended.set(k, expiresAt);
    while (this.#ended.size > this.#max) this.#ended.delete(this.#ended.keys().next().value!);
  }

  /** Whether the agent ended session `id` here. */
  ended(id: string): boolean {
    // Asked on every request: skip the hash while nothing has been ended here (the usual case).
    if (this.#ended.size === 0) return false;
    const k = endedKey(id);
    const until = this.#ended.get(k);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#ended.delete(k);
    return false;
  }

  /** Sessions of one server (to announce list changes). */
  *ofServer(serverId: string): Iterable<AgentSession> {
    for (const s of this.#sessions.values()) if (s.serverId === serverId) yield s;
  }

  /** Closes sessions idle longer than the limit. */
  sweep(): void {
    const cutoff = Date.now() - this.#idleMs;
    for (const s of this.#sessions.values()) {
      if (s.lastSeen < cutoff) {
        this.delete(s.id);
        void s.close().catch(() => {}); // idle and already removed: nothing can use it any more
      }
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#sessions.values()];
    for (const s of all) this.delete(s.id);
    await Promise.all(all.map((s) => s.close().catch(() => {}))); // shutdown: every session is removed first
  }
}
