/**
 * The registrations of one proxy replica, in memory: gateways and virtual servers by id, each with
 * the hash of the body it was given, and the state digest over all of them.
 *
 * Writes are whole replacements; a failed request never reaches the store, so it changes nothing.
 *
 * Servers are indexed by name and by the gateways they read, so that neither a write nor a change
 * to one gateway costs a pass over every server (at 10,000 servers, a bulk apply would otherwise be
 * quadratic: 10,000 PUTs × 10,000 servers).
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

/**
 * The gateways whose change can change what a server serves: those its selectors name — or every
 * gateway (`'all'`) when it lists associated ids, since an id may name any gateway's item.
 */
export function gatewaysReadBy(spec: ServerSpec): 'all' | Set<string> {
  if (spec.associated_tools.length > 0 || (spec.associated_prompts?.length ?? 0) > 0 || (spec.associated_resources?.length ?? 0) > 0) return 'all';
  const ids = new Set<string>();
  for (const sel of spec.tool_selectors) ids.add(sel.gateway_id);
  for (const sel of spec.prompt_selectors ?? []) ids.add(sel.gateway_id);
  for (const sel of spec.resource_selectors ?? []) ids.add(sel.gateway_id);
  return ids;
}

/** A multimap: key → ids. */
function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids?.delete(id) && ids.size === 0) index.delete(key);
}

export class RegistrationStore {
  readonly gateways = new Map<string, GatewayRegistration>();
  /** Read it freely; write only through `putServer` / `deleteServer` (they keep the indexes). */
  readonly servers = new Map<string, ServerRegistration>();
  /** Server name → ids (any namespace). */
  readonly #serversNamed = new Map<string, Set<string>>();
  /** Gateway id → ids of the servers whose selectors name it. */
  readonly #readers = new Map<string, Set<string>>();
  /** Servers listing associated ids: they read every gateway. */
  readonly #readAll = new Set<string>();
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
    if (old) this.#unindex(old);
    this.servers.set(id, registration);
    this.#index(registration);
    this.#digest = undefined;
    return { registration, created: !old };
  }

  deleteServer(id: string): boolean {
    this.#digest = undefined;
    const old = this.servers.get(id);
    if (old) this.#unindex(old);
    return this.servers.delete(id);
  }

  #index(s: ServerRegistration): void {
    addTo(this.#serversNamed, s.spec.name, s.id);
    const read = gatewaysReadBy(s.spec);
    if (read === 'all') this.#readAll.add(s.id);
    else for (const g of read) addTo(this.#readers, g, s.id);
  }

  #unindex(s: ServerRegistration): void {
    removeFrom(this.#serversNamed, s.spec.name, s.id);
    const read = gatewaysReadBy(s.spec);
    if (read === 'all') this.#readAll.delete(s.id);
    else for (const g of read) removeFrom(this.#readers, g, s.id);
  }

  /** Ids of the servers a change to any of `gatewayIds` can affect (see `gatewaysReadBy`). */
  readersOf(gatewayIds: readonly string[]): Set<string> {
    const ids = new Set(this.#readAll);
    for (const g of gatewayIds) for (const id of this.#readers.get(g) ?? []) ids.add(id);
    return ids;
  }

  /** Servers named `name`, in any namespace. */
  #named(name: string): ServerRegistration[] {
    return [...(this.#serversNamed.get(name) ?? [])].map((id) => this.servers.get(id)!);
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
      return this.#named(ref.slice(slash + 1)).find((s) => s.spec.namespace === namespace);
    }
    return onlyOne('server', ref, this.#named(ref));
  }

  /** Another registration (not `id`) with this namespace and name: what a write must not create. */
  serverNamed(namespace: string, name: string, exceptId: string): ServerRegistration | undefined {
    return this.#named(name).find((s) => s.id !== exceptId && s.spec.namespace === namespace);
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
