/**
 * Tells agents when what their virtual server serves changed: after any registration or tool
 * discovery change, re-resolves every server and sends `notifications/tools/list_changed` to the
 * sessions of those whose tool list (names and tools behind them) differs from before.
 */
import type { Catalog } from '../catalog/catalog.ts';
import type { RegistrationStore } from '../registry/store.ts';
import type { SessionTable } from './sessions.ts';

export class ToolListAnnouncer {
  readonly #store: RegistrationStore;
  readonly #catalog: Catalog;
  readonly #sessions: SessionTable;
  #signatures = new Map<string, string>();

  constructor(store: RegistrationStore, catalog: Catalog, sessions: SessionTable) {
    this.#store = store;
    this.#catalog = catalog;
    this.#sessions = sessions;
  }

  /** Call after any change that can alter a server's tools. Invalidates the catalog first. */
  changed(): void {
    this.#catalog.invalidate();
    const next = new Map<string, string>();
    for (const s of this.#store.servers.values()) {
      next.set(s.id, this.#catalog.resolve(s).tools.map((t) => `${t.name}\u0000${t.toolId}`).join('\u0001'));
    }
    for (const [id, signature] of next) {
      if (this.#signatures.get(id) !== signature) for (const session of this.#sessions.ofServer(id)) session.notifyToolsChanged();
    }
    this.#signatures = next;
  }
}
