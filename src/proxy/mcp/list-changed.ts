/**
 * Tells agents when what their virtual server serves changed: after any registration or discovery
 * change, re-resolves every server and, per list (tools, prompts, resources with their templates),
 * sends `notifications/{tools,prompts,resources}/list_changed` to the sessions of the servers whose
 * list (served names and the items behind them) differs from before. A session whose server did
 * not declare that list to it is not told (`agent-server.ts` drops it).
 */
import type { ResolvedCatalogServer } from '../catalog/catalog.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { RegistrationStore } from '../registry/store.ts';
import type { AgentListName, SessionTable } from './sessions.ts';

/** What identifies each list's content, per list. */
const SIGNATURES: Record<AgentListName, (r: ResolvedCatalogServer) => string> = {
  tools: (r) => r.tools.map((t) => `${t.name}\u0000${t.toolId}`).join('\u0001'),
  prompts: (r) => r.prompts.map((p) => `${p.name}\u0000${p.promptId}\u0000${JSON.stringify(p.prompt)}`).join('\u0001'),
  resources: (r) => [...r.resources.map((e) => `${e.resourceId}\u0000${JSON.stringify(e.resource)}`), ...r.resourceTemplates.map((e) => `${e.resourceId}\u0000${JSON.stringify(e.template)}`)].join('\u0001'),
};
const LISTS = Object.keys(SIGNATURES) as AgentListName[];

export class ListAnnouncer {
  readonly #store: RegistrationStore;
  readonly #catalog: Catalog;
  readonly #sessions: SessionTable;
  #signatures = new Map<string, string>();

  constructor(store: RegistrationStore, catalog: Catalog, sessions: SessionTable) {
    this.#store = store;
    this.#catalog = catalog;
    this.#sessions = sessions;
  }

  /** Call after any change that can alter what a server serves. Invalidates the catalog first. */
  changed(): void {
    this.#catalog.invalidate();
    const next = new Map<string, string>();
    for (const s of this.#store.servers.values()) {
      const resolved = this.#catalog.resolve(s);
      for (const list of LISTS) next.set(`${s.id}\u0000${list}`, SIGNATURES[list](resolved));
    }
    for (const [key, signature] of next) {
      if (this.#signatures.get(key) === signature) continue;
      const [id, list] = key.split('\u0000') as [string, AgentListName];
      for (const session of this.#sessions.ofServer(id)) session.notifyListChanged(list);
    }
    this.#signatures = next;
  }
}
