/**
 * Pending authorizations, keyed by the flow id (the consent ticket's `jti`): what the callback
 * needs to finish a flow (who, which gateway, the PKCE verifier, the redirect URI, the hash of the
 * browser's consent cookie). Stored server-side with an expiry.
 *
 * - `claim` is create-only: a ticket starts at most one flow, ever (a second Continue with the same
 *   link is refused).
 * - `take` hands the flow out exactly once and keeps a used marker until `expiresAt`, so neither a
 *   replayed callback nor the same ticket can start or finish anything again.
 */

export interface PendingAuthorization {
  gatewayId: string;
  /** The gateway's `specHash` when the flow started: a changed registration invalidates the flow. */
  specHash: string;
  user: string;
  codeVerifier: string;
  redirectUri: string;
  /** SHA-256 (base64url) of the consent cookie set in the browser that started the flow. */
  bindingHash: string;
  /** Where the browser goes after a stored consent (the ticket's `returnTo`); absent = the result page. */
  returnTo?: string;
  /** Epoch ms; the entry (and its used marker) lives until then, at least as long as the ticket. */
  expiresAt: number;
}

export interface PendingStore {
  /** Starts flow `flowId`; false when that id was claimed before (the ticket was already used). */
  claim(flowId: string, pending: PendingAuthorization): Promise<boolean>;
  /** The flow, once: undefined when absent, already taken, or expired. */
  take(flowId: string): Promise<PendingAuthorization | undefined>;
}

/**
 * In-memory store: one replica only (the callback must reach the replica that started the flow).
 * The relay's default is the shared `VaultPendingStore`.
 *
 * @param maxEntries bound on remembered flows (pending and used); the oldest are dropped first. Defaults to 10000.
 */
export class MemoryPendingStore implements PendingStore {
  readonly #entries = new Map<string, { pending: PendingAuthorization; used: boolean }>();
  readonly #maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  async claim(flowId: string, pending: PendingAuthorization): Promise<boolean> {
    this.#sweep();
    if (this.#entries.has(flowId)) return false;
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(flowId, { pending, used: false });
    return true;
  }

  async take(flowId: string): Promise<PendingAuthorization | undefined> {
    const entry = this.#entries.get(flowId);
    if (entry === undefined || entry.used || entry.pending.expiresAt <= Date.now()) return undefined;
    entry.used = true;
    return entry.pending;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#entries) if (entry.pending.expiresAt <= now) this.#entries.delete(id);
  }
}
