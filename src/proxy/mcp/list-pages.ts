/**
 * Pagination of the lists agents read through a virtual server (`tools/list`, `prompts/list`,
 * `resources/list`, `resources/templates/list`), as MCP 2025-11-25 describes it: pages of
 * `pageSize` items (default 100, `ProxyOptions.listPageSize`) in the catalog's order (by served
 * name or URI), `nextCursor` while more follow.
 *
 * A cursor is opaque: the key of the last item sent, with the server and the list it belongs to,
 * sealed (AES-GCM) with the key of the agent session ids, so any replica continues any agent's
 * listing and no one can forge one. The next page starts after that key, so items added or removed
 * meanwhile do not shift it. A cursor that does not open, or was issued for another server or list,
 * is answered `-32602` (`ERR_VALIDATION`), as the spec asks for an invalid cursor.
 *
 * Serialized pages are cached (`serializedPage`): a page's result JSON is built once per resolution
 * of the server's list and served as is until the catalog resolves the server again — which it does
 * only when something the server reads changes (`catalog.ts`), so a `tools/list` costs the same over
 * 1 or 50 gateways. What a list shows depends only on the server (no per-user visibility: a per-user
 * OAuth gateway's tools are discovered once and listed to every user of the server), so one cached
 * page serves every session of the server.
 */
import { ProxyError } from '../errors.ts';
import { cmp } from '../catalog/select.ts';
import type { SessionSealer } from '../session-seal/sealer.ts';

/** Items per page unless configured otherwise. */
export const DEFAULT_LIST_PAGE_SIZE = 100;

const PURPOSE = 'mcp-gitops list cursor v1';

/** The lists that are paginated, by their result field. */
export type ListName = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** Cached result JSONs of one resolved list, by server, list name and position. */
type PageCache = Map<string, string>;

interface Position {
  s: string;
  l: ListName;
  a: string;
}

export class ListPages {
  readonly #sealer: SessionSealer;
  readonly pageSize: number;
  /**
   * Keyed by the resolved items array: a new resolution is a new array, so a changed list is never
   * served from an old page, and the old pages go with the old resolution (no invalidation to miss).
   */
  readonly #pages = new WeakMap<readonly unknown[], PageCache>();

  constructor(sealer: SessionSealer, pageSize = DEFAULT_LIST_PAGE_SIZE) {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`listPageSize must be a positive integer, got ${pageSize}`);
    this.#sealer = sealer;
    this.pageSize = pageSize;
  }

  /**
   * The JSON of the list result `{ "<list>": [show(item)…], "nextCursor"? }` for the page `cursor`
   * points at — the first page when it is undefined — with the cursor of the next page while more
   * follow. `items` are sorted by `key`, as the catalog sorts them. Built once per resolution of
   * `items` (see the module comment) and position. Throws `ERR_VALIDATION` for a cursor this proxy
   * did not issue for `list` of `serverId`.
   */
  serializedPage<T>(serverId: string, list: ListName, items: readonly T[], key: (item: T) => string, show: (item: T) => unknown, cursor: unknown): string {
    const after = this.#after(serverId, list, cursor);
    let cache = this.#pages.get(items);
    if (cache === undefined) this.#pages.set(items, (cache = new Map()));
    const at = `${serverId}\n${list}\n${after ?? ''}`;
    let json = cache.get(at);
    if (json === undefined) {
      const { page, nextCursor } = this.#pageAfter(serverId, list, items, key, after);
      json = JSON.stringify({ [list]: page.map(show), ...(nextCursor === undefined ? {} : { nextCursor }) });
      // Positions are keys this proxy sealed; bounded anyway (cursors of older resolutions).
      if (cache.size < Math.ceil(items.length / this.pageSize) + 16) cache.set(at, json);
    }
    return json;
  }

  /** The key the page after `cursor` starts after (undefined: the first page), or `ERR_VALIDATION`. */
  #after(serverId: string, list: ListName, cursor: unknown): string | undefined {
    if (cursor === undefined) return undefined;
    const at = typeof cursor === 'string' ? (this.#sealer.open(PURPOSE, cursor) as Position | undefined) : undefined;
    if (!at || typeof at !== 'object' || at.s !== serverId || at.l !== list || typeof at.a !== 'string') {
      throw new ProxyError('ERR_VALIDATION', `cursor: not a cursor this server issued for its ${list} list; list again without a cursor`);
    }
    return at.a;
  }

  #pageAfter<T>(serverId: string, list: ListName, items: readonly T[], key: (item: T) => string, after: string | undefined): { page: T[]; nextCursor?: string } {
    let start = 0;
    if (after !== undefined) while (start < items.length && cmp(key(items[start]!), after) <= 0) start++;
    const page = items.slice(start, start + this.pageSize);
    if (start + this.pageSize >= items.length || page.length === 0) return { page };
    const position: Position = { s: serverId, l: list, a: key(page.at(-1)!) };
    return { page, nextCursor: this.#sealer.seal(PURPOSE, position) };
  }
}
