/**
 * Sign-ins in progress shared by every proxy replica, as sealed vault documents (as the OAuth
 * relay's `VaultPendingStore`): the browser may come back from the provider to another replica.
 * Single use across replicas (only the caller whose delete succeeds gets the entry); expired
 * entries are swept when sign-ins start, at most once a minute.
 */
import { createHash } from 'node:crypto';
import type { TokenVault } from '../../vault/index.ts';
import type { PendingLogin, PendingLogins } from './login-oidc.ts';
import { SESSIONS_NAMESPACE } from './vault-session-store.ts';

/** A pseudo-gateway of its own: the session store's sweep never sees these. */
const LOGINS_GATEWAY = 'connections-logins';

const SWEEP_EVERY_MS = 60_000;

export class VaultPendingLogins implements PendingLogins {
  readonly #vault: TokenVault;
  #lastSweep = 0;

  constructor(vault: TokenVault) {
    this.#vault = vault;
  }

  async put(state: string, pending: PendingLogin): Promise<void> {
    await this.#vault.putDocument(SESSIONS_NAMESPACE, LOGINS_GATEWAY, documentName(state), pending, { ifVersion: null });
    if (Date.now() - this.#lastSweep > SWEEP_EVERY_MS) {
      this.#lastSweep = Date.now();
      // take() refuses expired logins anyway: a failed sweep only leaves garbage the next sweep removes.
      void this.#sweep().catch(() => {});
    }
  }

  async take(state: string): Promise<PendingLogin | undefined> {
    const name = documentName(state);
    const doc = await this.#vault.getDocument(SESSIONS_NAMESPACE, LOGINS_GATEWAY, name);
    if (doc === undefined) return undefined;
    if (!(await this.#vault.deleteDocument(SESSIONS_NAMESPACE, LOGINS_GATEWAY, name))) return undefined; // another replica took it
    const pending = doc.value as PendingLogin;
    return typeof pending?.expiresAt === 'number' && pending.expiresAt > Date.now() ? pending : undefined;
  }

  async #sweep(): Promise<void> {
    for (const doc of await this.#vault.listDocuments(SESSIONS_NAMESPACE, LOGINS_GATEWAY)) {
      const expiresAt = (doc.value as Partial<PendingLogin> | undefined)?.expiresAt;
      if (typeof expiresAt !== 'number' || expiresAt <= Date.now()) await this.#vault.deleteDocument(SESSIONS_NAMESPACE, LOGINS_GATEWAY, doc.name);
    }
  }
}

/** The state itself never names a stored document: a hash of it does. */
function documentName(state: string): string {
  return `login:${createHash('sha256').update(state).digest('hex')}`;
}
