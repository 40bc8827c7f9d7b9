/**
 * A {@link PendingStore} shared by every proxy replica, kept as sealed vault documents (files in dev,
 * Secrets in-cluster): Continue and the callback may reach different replicas (an ingress spreads
 * them; ClientIP affinity sees the ingress's address, not the user's). Single use across replicas:
 * `claim` is a create-only write, `take` a compare-and-swap that marks the entry used (only one
 * caller wins). Entries stay until they expire, then are swept when new flows start (at most once
 * a minute).
 *
 * Each flow is a Secret in-cluster, so with a `quota` a user holds at most `quota.max` flows that
 * are neither finished nor expired; the next Continue is refused with `ERR_OAUTH_TOO_MANY_PENDING`
 * (429, `Retry-After`) before anything is written.
 */
import { createHash } from 'node:crypto';
import { isVaultError, type TokenVault, type UserQuota } from '../../vault/index.ts';
import { ProxyError } from '../errors.ts';
import type { PendingAuthorization, PendingStore } from './pending-store.ts';

/** Where pending flows live in the vault: a pseudo-gateway no registration can have (ids are 32 hex). */
export const PENDING_NAMESPACE = 'mcp-gitops';
export const PENDING_GATEWAY = 'oauth-pending';
const SWEEP_EVERY_MS = 60_000;

type Stored = PendingAuthorization & { used?: boolean };

export class VaultPendingStore implements PendingStore {
  readonly #vault: TokenVault;
  readonly #quota: UserQuota | undefined;
  #lastSweep = 0;

  /** `quota`: the per-user bound on flows in progress (none without). */
  constructor(vault: TokenVault, options: { quota?: UserQuota } = {}) {
    this.#vault = vault;
    this.#quota = options.quota;
  }

  async claim(flowId: string, pending: PendingAuthorization): Promise<boolean> {
    const name = documentName(flowId);
    if (this.#quota) {
      const admission = await this.#quota.admit(pending.user, { name, expiresAt: pending.expiresAt }, (n) => this.#inProgressUntil(n));
      if (!admission.admitted) {
        const seconds = Math.ceil(admission.retryAfterMs / 1000);
        throw new ProxyError('ERR_OAUTH_TOO_MANY_PENDING', `you have ${this.#quota.max} authorizations in progress, the most one account may start; finish or abandon one (each ends ${Math.ceil((pending.expiresAt - Date.now()) / 60_000)} minutes after it started) and try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
      }
    }
    try {
      await this.#vault.putDocument(PENDING_NAMESPACE, PENDING_GATEWAY, name, pending, { ifVersion: null });
    } catch (error) {
      if (isVaultError(error, 'ERR_VAULT_CONFLICT')) return false;
      throw error;
    }
    if (Date.now() - this.#lastSweep > SWEEP_EVERY_MS) {
      this.#lastSweep = Date.now();
      // Expired flows are refused when taken anyway, and ended entries of a user's index no longer
      // count: a failed sweep only leaves garbage the next sweep removes.
      void Promise.all([this.sweep(), this.#quota?.sweep()]).catch(() => {});
    }
    return true;
  }

  async take(flowId: string): Promise<PendingAuthorization | undefined> {
    const name = documentName(flowId);
    const doc = await this.#vault.getDocument(PENDING_NAMESPACE, PENDING_GATEWAY, name);
    const stored = doc?.value as Stored | undefined;
    if (doc === undefined || stored === undefined || stored.used === true) return undefined;
    if (typeof stored.expiresAt !== 'number' || stored.expiresAt <= Date.now()) return undefined;
    try {
      // What stays is a marker: no verifier, no user, only until the ticket could have expired.
      await this.#vault.putDocument(PENDING_NAMESPACE, PENDING_GATEWAY, name, { used: true, gatewayId: stored.gatewayId, expiresAt: stored.expiresAt }, { ifVersion: doc.version });
    } catch (error) {
      if (isVaultError(error, 'ERR_VAULT_CONFLICT')) return undefined; // another replica took it
      throw error;
    }
    const { used: _used, ...pending } = stored;
    return pending;
  }

  /** Until when a flow still counts against its user: undefined once taken, expired or gone. */
  async #inProgressUntil(name: string): Promise<number | undefined> {
    const stored = (await this.#vault.getDocument(PENDING_NAMESPACE, PENDING_GATEWAY, name))?.value as Stored | undefined;
    if (stored === undefined || stored.used === true || typeof stored.expiresAt !== 'number') return undefined;
    return stored.expiresAt;
  }

  /** Deletes expired entries (pending or used); returns how many. */
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

/** The flow id never names a stored document: a hash of it does. */
function documentName(flowId: string): string {
  return `flow:${createHash('sha256').update(flowId).digest('hex')}`;
}
