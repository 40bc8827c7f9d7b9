/**
 * The registrations of one proxy replica, in memory: gateways and virtual servers by id, each with
 * the hash of the body it was given, and the state digest over all of them.
 *
 * Writes are whole replacements; a failed request never reaches the store, so it changes nothing.
 */
import { slugify } from '../../api/ids.ts';
import type { GatewayCreate, ServerSpec } from '../../contract/wire.ts';
import { stateDigest } from '../../contract/digest.ts';
import { ProxyError } from '../errors.ts';
import type { GatewayRegistration, ServerRegistration } from './types.ts';

/** The one match, none, or `ERR_AMBIGUOUS_NAME` listing every `namespace/name` that matched. */
function onlyOne<T extends GatewayRegistration | ServerRegistration>(kind: string, ref: string, matches: T[]): T | undefined {
  if (matches.length <= 1) return matches[0];
  const candidates = matches.map((m) => `${m.spec.namespace}/${m.spec.name}`).sort();
  throw new ProxyError('ERR_AMBIGUOUS_NAME', `${kind} name ${ref.slice(0, 100)} is used in ${matches.length} namespaces (${candidates.join(', ')}): use the id or namespace/name`, {
    details: candidates.map((c) => ({ path: kind, message: `candidate ${c}` })),
  });
}

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

  /**
   * By id, then by exact name, then by slug (ContextForge's lookup order) — a name or slug only
   * when one gateway has it; several throw `ERR_AMBIGUOUS_NAME` (as `findServer`).
   */
  findGateway(idOrName: string): GatewayRegistration | undefined {
    const byId = this.gateways.get(idOrName.toLowerCase());
    if (byId) return byId;
    const all = [...this.gateways.values()];
    return onlyOne('gateway', idOrName, all.filter((g) => g.spec.name === idOrName)) ?? onlyOne('gateway', idOrName, all.filter((g) => g.slug === idOrName));
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

  /**
   * The server a caller's reference names (docs/proxy.md, "Addressing a virtual server"): its id,
   * or `namespace/name`, or a bare name only when exactly one namespace has a server of that name.
   * Never the first of several: a bare name two namespaces use throws `ERR_AMBIGUOUS_NAME` naming
   * the candidates, so a tenant who adds `team-b/jira` cannot take over `jira` from `team-a`.
   */
  findServer(ref: string): ServerRegistration | undefined {
    const byId = this.servers.get(ref.toLowerCase());
    if (byId) return byId;
    const slash = ref.indexOf('/');
    if (slash > 0) {
      const namespace = ref.slice(0, slash);
      const name = ref.slice(slash + 1);
      for (const s of this.servers.values()) if (s.spec.namespace === namespace && s.spec.name === name) return s;
      return undefined;
    }
    return onlyOne('server', ref, [...this.servers.values()].filter((s) => s.spec.name === ref));
  }

  /** Another registration (not `id`) with this namespace and name: what a write must not create. */
  serverNamed(namespace: string, name: string, exceptId: string): ServerRegistration | undefined {
    for (const s of this.servers.values()) if (s.id !== exceptId && s.spec.namespace === namespace && s.spec.name === name) return s;
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
