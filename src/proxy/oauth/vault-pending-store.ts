/**
 * A {@link PendingStore} shared by every proxy replica, kept as sealed vault documents (files in dev,
 * Secrets in-cluster): the authorize request and the callback may reach different replicas (an
 * ingress spreads them; ClientIP affinity sees the ingress's address, not the user's). Single use
 * across replicas: only the caller whose delete succeeds gets the entry. Abandoned entries are
 * swept when new flows start (at most once a minute).
 */
import { createHash } from 'node:crypto';
import type { TokenVault } from '../../vault/index.ts';
import type { PendingAuthorization, PendingStore } from './pending-store.ts';

/** Where pending flows live in the vault: a pseudo-gateway no registration can have (ids are 32 hex). */
export const PENDING_NAMESPACE = 'mcp-gitops';
export const PENDING_GATEWAY = 'oauth-pending';
const SWEEP_EVERY_MS = 60_000;

export class VaultPendingStore implements PendingStore {
  readonly #vault: TokenVault;
  #lastSweep = 0;

  constructor(vault: TokenVault) {
    this.#vault = vault;
  }

  async put(state: string, pending: PendingAuthorization): Promise<void> {
    await this.#vault.putDocument(PENDING_NAMESPACE, PENDING_GATEWAY, documentName(state), pending, { ifVersion: null });
    if (Date.now() - this.#lastSweep > SWEEP_EVERY_MS) {
      this.#lastSweep = Date.now();
      void this.sweep().catch(() => {});
    }
  }

  async take(state: string): Promise<PendingAuthorization | undefined> {
    const name = documentName(state);
    const doc = await this.#vault.getDocument(PENDING_NAMESPACE, PENDING_GATEWAY, name);
    if (doc === undefined) return undefined;
    if (!(await this.#vault.deleteDocument(PENDING_NAMESPACE, PENDING_GATEWAY, name))) return undefined; // another replica took it
    const pending = doc.value as PendingAuthorization;
    return typeof pending?.expiresAt === 'number' && pending.expiresAt > Date.now() ? pending : undefined;
  }

  /** Deletes expired entries; returns how many. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const doc of await this.#vault.listDocuments(PENDING_NAMESPACE, PENDING_GATEWAY)) {
      const expiresAt = (doc.value as Partial<PendingAuthorization> | undefined)?.expiresAt;
      if (typeof expiresAt !== 'number' || expiresAt <= Date.now()) {
        if (await this.#vault.deleteDocument(PENDING_NAMESPACE, PENDING_GATEWAY, doc.name)) removed++;
      }
    }
    return removed;
  }
}

/** The state itself never names a stored document: a hash of it does. */
function documentName(state: string): string {
  return `state:${createHash('sha256').update(state).digest('hex')}`;
}
