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

/**
 * Whether a change to `gateways` can change what `server` serves: a selector of the server names
 * one of them — or the server lists associated ids, since an id may name any gateway's item.
 * Allocation-free: it runs for every server on every gateway change.
 */
export function readsAny(server: ServerRegistration, gateways: readonly string[]): boolean {
  const s = server.spec;
  if (s.associated_tools.length > 0 || (s.associated_prompts?.length ?? 0) > 0 || (s.associated_resources?.length ?? 0) > 0) return true;
  for (const sel of s.tool_selectors) if (gateways.includes(sel.gateway_id)) return true;
  for (const sel of s.prompt_selectors ?? []) if (gateways.includes(sel.gateway_id)) return true;
  for (const sel of s.resource_selectors ?? []) if (gateways.includes(sel.gateway_id)) return true;
  return false;
}

export class Catalog {
  readonly #view: () => ReadonlyMap<string, CatalogGateway>;
  #cache = new Map<string, { registration: ServerRegistration; resolved: ResolvedCatalogServer }>();

  constructor(view: () => ReadonlyMap<string, CatalogGateway>) {
    this.#view = view;
  }

  /**
   * Forgets the resolutions `change` can alter: those of the changed servers and of the servers
   * reading a changed gateway — every resolution when `change` is omitted.
   */
  invalidate(change?: CatalogChange): void {
    if (change === undefined) {
      this.#cache = new Map();
      return;
    }
    for (const id of change.servers ?? []) this.#cache.delete(id);
    const gateways = change.gateways ?? [];
    if (gateways.length > 0) for (const [id, hit] of this.#cache) if (readsAny(hit.registration, gateways)) this.#cache.delete(id);
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
