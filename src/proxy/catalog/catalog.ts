/**
 * The live catalog: resolves virtual servers against the pool's discovered tools, cached until a
 * registration or a gateway's tools change.
 */
import type { ServerRegistration } from '../registry/types.ts';
import { resolveServerTools, type CatalogEntry, type CatalogGateway, type ResolvedServer } from './resolve.ts';

export interface ResolvedCatalogServer extends ResolvedServer {
  /** Tools by served name, for `tools/call`. */
  byName: ReadonlyMap<string, CatalogEntry>;
}

export class Catalog {
  readonly #view: () => ReadonlyMap<string, CatalogGateway>;
  #cache = new Map<string, { registration: ServerRegistration; resolved: ResolvedCatalogServer }>();

  constructor(view: () => ReadonlyMap<string, CatalogGateway>) {
    this.#view = view;
  }

  /** Forgets every resolution (a gateway's tools or a registration changed). */
  invalidate(): void {
    this.#cache = new Map();
  }

  resolve(server: ServerRegistration): ResolvedCatalogServer {
    const hit = this.#cache.get(server.id);
    if (hit && hit.registration === server) return hit.resolved;
    const r = resolveServerTools(server.spec, this.#view());
    const resolved = { ...r, byName: new Map(r.tools.map((t) => [t.name, t])) };
    this.#cache.set(server.id, { registration: server, resolved });
    return resolved;
  }
}
