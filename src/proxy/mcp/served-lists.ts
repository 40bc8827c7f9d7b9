/**
 * The paginated lists a virtual server serves agents, each described once: its method, the result
 * field (`list-pages.ts`), the entries of a resolved server it lists, their key (the catalog's sort
 * order, which cursors point into) and how an entry is shown. Used by the SDK handlers
 * (`catalog-handlers.ts`) and the `tools/list` fast path (`list-fast-path.ts`).
 */
import type { ResolvedCatalogServer } from '../catalog/catalog.ts';
import type { CatalogEntry, PromptEntry, ResourceEntry, TemplateEntry } from '../catalog/resolve.ts';
import type { ListName } from './list-pages.ts';

export interface ServedList<T> {
  method: string;
  list: ListName;
  items(served: ResolvedCatalogServer): readonly T[];
  key(item: T): string;
  show(item: T): unknown;
}

/** Tools under their served names, the rest of each upstream entry verbatim. */
export const TOOLS: ServedList<CatalogEntry> = { method: 'tools/list', list: 'tools', items: (s) => s.tools, key: (e) => e.name, show: (e) => ({ ...e.tool, name: e.name }) };

/** Prompts under their served names, the rest of each upstream entry verbatim. */
export const PROMPTS: ServedList<PromptEntry> = { method: 'prompts/list', list: 'prompts', items: (s) => s.prompts, key: (e) => e.name, show: (e) => ({ ...e.prompt, name: e.name }) };

export const RESOURCES: ServedList<ResourceEntry> = { method: 'resources/list', list: 'resources', items: (s) => s.resources, key: (e) => e.uri, show: (e) => e.resource };

export const RESOURCE_TEMPLATES: ServedList<TemplateEntry> = {
  method: 'resources/templates/list',
  list: 'resourceTemplates',
  items: (s) => s.resourceTemplates,
  key: (e) => e.uriTemplate,
  show: (e) => e.template,
};
