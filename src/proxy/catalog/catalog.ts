/**
 * The live catalog: resolves virtual servers against what the pool's gateways offer (tools,
 * prompts, resources, templates), cached until a registration or a gateway's offer changes.
 */
import type { ServerRegistration } from '../registry/types.ts';
import { resolveServer, type CatalogEntry, type CatalogGateway, type PromptEntry, type ResolvedCatalog, type ResourceEntry } from './resolve.ts';

export interface ResolvedCatalogServer extends ResolvedCatalog {
  /** Tools by served name, for `tools/call`. */
  byName: ReadonlyMap<string, CatalogEntry>;
  /** Prompts by served name, for `prompts/get` and prompt completions. */
  promptByName: ReadonlyMap<string, PromptEntry>;
  /** Listed resources by URI, for `resources/read` and subscriptions. */
  resourceByUri: ReadonlyMap<string, ResourceEntry>;
}

/**
 * What changed, for the parts that depend on it: gateways (their registration or what they offer)
 * and servers (their registration). Omitted altogether = anything may have changed.
 */
export interface CatalogChange {
  gateways?: readonly string[];
  servers?: readonly string[];
}

export class Catalog {
  readonly #view: () => ReadonlyMap<string, CatalogGateway>;
  #cache = new Map<string, { registration: ServerRegistration; resolved: ResolvedCatalogServer }>();

  constructor(view: () => ReadonlyMap<string, CatalogGateway>) {
    this.#view = view;
  }

  /**
   * Forgets the resolutions of `serverIds` (the servers a change can alter: the store's
   * `readersOf` the changed gateways, and the changed servers) — every resolution when omitted.
   */
  invalidate(serverIds?: Iterable<string>): void {
    if (serverIds === undefined) {
      this.#cache = new Map();
      return;
    }
    for (const id of serverIds) this.#cache.delete(id);
  }

  /** What the pool's gateways offer, by gateway id. */
  gateways(): ReadonlyMap<string, CatalogGateway> {
    return this.#view();
  }

  resolve(server: ServerRegistration): ResolvedCatalogServer {
    const hit = this.#cache.get(server.id);
    if (hit && hit.registration === server) return hit.resolved;
    const r = resolveServer(server.spec, this.#view());
    const resolved: ResolvedCatalogServer = {
      ...r,
      byName: new Map(r.tools.map((t) => [t.name, t])),
      promptByName: new Map(r.prompts.map((p) => [p.name, p])),
      resourceByUri: new Map(r.resources.map((e) => [e.uri, e])),
    };
    this.#cache.set(server.id, { registration: server, resolved });
    return resolved;
  }
}
