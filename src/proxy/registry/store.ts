/**
 * The registrations of one proxy replica, in memory: gateways and virtual servers by id, each with
 * the hash of the body it was given, and the state digest over all of them.
 *
 * Writes are whole replacements; a failed request never reaches the store, so it changes nothing.
 */
import { slugify } from '../../api/ids.ts';
import type { GatewayCreate, ServerSpec } from '../../contract/wire.ts';
import { stateDigest } from '../../contract/digest.ts';
import type { GatewayRegistration, ServerRegistration } from './types.ts';

export class RegistrationStore {
  readonly gateways = new Map<string, GatewayRegistration>();
  readonly servers = new Map<string, ServerRegistration>();
  readonly startedAt = new Date().toISOString();
  #digest: string | undefined;
  /** True once an admin caller confirmed a digest equal to this replica's (latched: stays true). */
  synced = false;

  /** Creates or replaces gateway `id`. Returns the registration and whether it was new. */
  putGateway(id: string, spec: GatewayCreate, hash: string): { registration: GatewayRegistration; created: boolean } {
    const now = new Date().toISOString();
    const old = this.gateways.get(id);
    const registration: GatewayRegistration = { id, slug: slugify(spec.name), spec, specHash: hash, createdAt: old?.createdAt ?? now, updatedAt: old && old.specHash === hash ? old.updatedAt : now };
    this.gateways.set(id, registration);
    this.#digest = undefined;
    return { registration, created: !old };
  }

  deleteGateway(id: string): boolean {
    this.#digest = undefined;
    return this.gateways.delete(id);
  }

  /** By id, then by exact name, then by slug (ContextForge's lookup order). */
  findGateway(idOrName: string): GatewayRegistration | undefined {
    const byId = this.gateways.get(idOrName.toLowerCase());
    if (byId) return byId;
    for (const g of this.gateways.values()) if (g.spec.name === idOrName) return g;
    for (const g of this.gateways.values()) if (g.slug === idOrName) return g;
    return undefined;
  }

  putServer(id: string, spec: ServerSpec, hash: string): { registration: ServerRegistration; created: boolean } {
    const now = new Date().toISOString();
    const old = this.servers.get(id);
    const registration: ServerRegistration = { id, spec, specHash: hash, createdAt: old?.createdAt ?? now, updatedAt: old && old.specHash === hash ? old.updatedAt : now };
    this.servers.set(id, registration);
    this.#digest = undefined;
    return { registration, created: !old };
  }

  deleteServer(id: string): boolean {
    this.#digest = undefined;
    return this.servers.delete(id);
  }

  /** By id, then by exact name. */
  findServer(idOrName: string): ServerRegistration | undefined {
    const byId = this.servers.get(idOrName.toLowerCase());
    if (byId) return byId;
    for (const s of this.servers.values()) if (s.spec.name === idOrName) return s;
    return undefined;
  }

  /** sha256 over the sorted `kind/id/specHash` lines (see `stateDigest`). */
  digest(): string {
    if (this.#digest === undefined) {
      const entries = [];
      for (const g of this.gateways.values()) entries.push({ kind: 'gateway' as const, id: g.id, specHash: g.specHash });
      for (const s of this.servers.values()) entries.push({ kind: 'server' as const, id: s.id, specHash: s.specHash });
      this.#digest = stateDigest(entries);
    }
    return this.#digest;
  }

  /** Records a caller's claim that it converged this replica to `digest`; true when it matches ours. */
  markSynced(digest: string): boolean {
    if (digest === this.digest()) this.synced = true;
    return digest === this.digest();
  }
}
