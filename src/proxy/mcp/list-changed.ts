/**
 * Tells agents when what their virtual server serves changed: after any registration or discovery
 * change, re-resolves the servers the change can affect (all of them when it does not say what
 * changed) and, per list (tools, prompts, resources with their templates),
 * sends `notifications/{tools,prompts,resources}/list_changed` to the sessions of the servers whose
 * list (served names and the items behind them) differs from before. A session whose server did
 * not declare that list to it is not told (`agent-server.ts` drops it).
 */
import type { Catalog, CatalogChange, ResolvedCatalogServer } from '../catalog/catalog.ts';
import type { RegistrationStore } from '../registry/store.ts';
import type { AgentListName, SessionTable } from './sessions.ts';

/**
 * A number per upstream item object: discovery replaces a gateway's items only when its offer
 * changed, so a new number means a possibly changed entry, without serializing every entry of every
 * server on each change (at worst a spurious `list_changed`, which the spec allows).
 */
const versions = new WeakMap<object, number>();
let lastVersion = 0;
function version(item: object): number {
  let v = versions.get(item);
  if (v === undefined) versions.set(item, (v = ++lastVersion));
  return v;
}

/** What identifies each list's content, per list. */
const SIGNATURES: Record<AgentListName, (r: ResolvedCatalogServer) => string> = {
  tools: (r) => r.tools.map((t) => `${t.name}\u0000${t.toolId}`).join('\u0001'),
  prompts: (r) => r.prompts.map((p) => `${p.name}\u0000${p.promptId}\u0000${version(p.prompt)}`).join('\u0001'),
  resources: (r) => [...r.resources.map((e) => `${e.resourceId}\u0000${version(e.resource)}`), ...r.resourceTemplates.map((e) => `${e.resourceId}\u0000${version(e.template)}`)].join('\u0001'),
};
const LISTS = Object.keys(SIGNATURES) as AgentListName[];

export class ListAnnouncer {
  readonly #store: RegistrationStore;
  readonly #catalog: Catalog;
  readonly #sessions: SessionTable;
  /** Each server's lists as last resolved (their signatures), by server id. */
  readonly #signatures = new Map<string, Map<AgentListName, string>>();

  constructor(store: RegistrationStore, catalog: Catalog, sessions: SessionTable) {
    this.#store = store;
    this.#catalog = catalog;
    this.#sessions = sessions;
  }

  /**
   * Call after any change that can alter what a server serves. Invalidates the catalog first.
   * With `change`, only the servers it can affect are resolved again (those reading a changed
   * gateway, found through the store's index, and the changed servers); without, every server.
   */
  changed(change?: CatalogChange): void {
    let affected: Iterable<string>;
    if (change) {
      const ids = this.#store.readersOf(change.gateways ?? []);
      for (const id of change.servers ?? []) ids.add(id);
      affected = ids;
    } else {
      affected = [...this.#store.servers.keys()];
      for (const id of this.#signatures.keys()) if (!this.#store.servers.has(id)) this.#signatures.delete(id);
    }
    this.#catalog.invalidate(change ? affected : undefined);
    for (const id of affected) {
      const s = this.#store.servers.get(id);
      if (!s) {
        this.#signatures.delete(id); // deleted: its sessions are closed by the route that deleted it
        continue;
      }
      const resolved = this.#catalog.resolve(s);
      let known = this.#signatures.get(s.id);
      if (!known) this.#signatures.set(s.id, (known = new Map()));
      for (const list of LISTS) {
        const signature = SIGNATURES[list](resolved);
        if (known.get(list) === signature) continue;
        known.set(list, signature);
        for (const session of this.#sessions.ofServer(s.id)) session.notifyListChanged(list);
      }
    }
  }
}
