/**
 * Pending authorizations, keyed by the single-use `state`: what the callback needs to finish a flow
 * (who, which gateway, the PKCE verifier, the redirect URI). Stored server-side with an expiry and
 * consumed exactly once: a replayed or expired `state` finds nothing.
 */

export interface PendingAuthorization {
  gatewayId: string;
  /** The gateway's `specHash` when the flow started: a changed registration invalidates the flow. */
  specHash: string;
  user: string;
  codeVerifier: string;
  redirectUri: string;
  /** Where the browser goes after a stored consent (the ticket's `returnTo`); absent = the result page. */
  returnTo?: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface PendingStore {
  put(state: string, pending: PendingAuthorization): Promise<void>;
  /** Removes and returns the entry; undefined when absent, already taken, or expired. */
  take(state: string): Promise<PendingAuthorization | undefined>;
}

/**
 * In-memory store: one replica only (the callback must reach the replica that started the flow).
 * The relay's default is the shared `VaultPendingStore`.
 *
 * @param maxEntries bound on concurrent pending flows; the oldest are dropped first. Defaults to 10000.
 */
export class MemoryPendingStore implements PendingStore {
  readonly #entries = new Map<string, PendingAuthorization>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  async put(state: string, pending: PendingAuthorization): Promise<void> {
    this.#sweep();
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(state, pending);
  }

  async take(state: string): Promise<PendingAuthorization | undefined> {
    const pending = this.#entries.get(state);
    this.#entries.delete(state);
    return pending !== undefined && pending.expiresAt > Date.now() ? pending : undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [state, pending] of this.#entries) if (pending.expiresAt <= now) this.#entries.delete(state);
  }
}
