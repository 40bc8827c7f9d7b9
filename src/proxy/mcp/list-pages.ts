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
 */
import { ProxyError } from '../errors.ts';
import { cmp } from '../catalog/select.ts';
import type { SessionSealer } from '../session-seal/sealer.ts';

/** Items per page unless configured otherwise. */
export const DEFAULT_LIST_PAGE_SIZE = 100;

const PURPOSE = 'mcp-gitops list cursor v1';

/** The lists that are paginated, by their result field. */
export type ListName = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

interface Position {
  s: string;
  l: ListName;
  a: string;
}

export class ListPages {
  readonly #sealer: SessionSealer;
  readonly pageSize: number;

  constructor(sealer: SessionSealer, pageSize = DEFAULT_LIST_PAGE_SIZE) {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`listPageSize must be a positive integer, got ${pageSize}`);
    this.#sealer = sealer;
    this.pageSize = pageSize;
  }

  /**
   * The page of `items` (sorted by `key`, as the catalog sorts them) that `cursor` points at — the
   * first page when it is undefined — and the cursor of the next one. Throws `ERR_VALIDATION` for a
   * cursor this proxy did not issue for `list` of `serverId`.
   */
  page<T>(serverId: string, list: ListName, items: readonly T[], key: (item: T) => string, cursor: unknown): { page: T[]; nextCursor?: string } {
    let start = 0;
    if (cursor !== undefined) {
      const at = typeof cursor === 'string' ? (this.#sealer.open(PURPOSE, cursor) as Position | undefined) : undefined;
      if (!at || typeof at !== 'object' || at.s !== serverId || at.l !== list || typeof at.a !== 'string') {
        throw new ProxyError('ERR_VALIDATION', `cursor: not a cursor this server issued for its ${list} list; list again without a cursor`);
      }
      while (start < items.length && cmp(key(items[start]!), at.a) <= 0) start++;
    }
    const page = items.slice(start, start + this.pageSize);
    if (start + this.pageSize >= items.length || page.length === 0) return { page };
    const position: Position = { s: serverId, l: list, a: key(page.at(-1)!) };
    return { page, nextCursor: this.#sealer.seal(PURPOSE, position) };
  }
}
