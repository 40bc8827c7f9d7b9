/**
 * The tool catalog: pure functions from discovered upstream tools and a virtual server's spec to
 * the list of tools that server serves.
 *
 * Contract:
 * - `associated_tools` (ids, seed style) and `tool_selectors` (include/exclude globs, rename) add up.
 * - Names: a `rename` entry is used verbatim; otherwise `naming: Prefixed` (default) serves
 *   `<gateway-slug>-<slug(originalName)>` (ContextForge's rule) and `Plain` serves the upstream name.
 * - Two different upstream tools that would be served under one name are a conflict: both are left
 *   out and the conflict is reported. There is never a silent winner.
 * - Selectors, include patterns, renames and ids that match nothing are reported in `unmatched`.
 * - The result is sorted by served name, so equal inputs give equal outputs.
 */
import { slugify, toolId } from '../../api/ids.ts';
import type { ServerSpec } from '../../contract/wire.ts';
import { globMatcher } from './glob.ts';

/** A tool as the upstream describes it in `tools/list` (passed through untouched). */
export interface UpstreamTool {
  name: string;
  description?: string | undefined;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema?: { type: 'object'; [k: string]: unknown } | undefined;
  annotations?: Record<string, unknown> | undefined;
  [k: string]: unknown;
}

/** What the catalog knows of one gateway. */
export interface CatalogGateway {
  id: string;
  slug: string;
  /** Discovered tools; empty before the first successful discovery. */
  tools: readonly UpstreamTool[];
}

/** One tool as a server serves it. */
export interface CatalogEntry {
  /** The name agents see and call. */
  name: string;
  toolId: string;
  gatewayId: string;
  originalName: string;
  tool: UpstreamTool;
}

export interface ResolvedServer {
  tools: CatalogEntry[];
  conflicts: { name: string; candidates: string[] }[];
  unmatched: string[];
}

/** The default (Prefixed) name of an upstream tool: `<gateway-slug>-<slug(originalName)>`. */
export function prefixedToolName(gatewaySlug: string, originalName: string): string {
  return `${gatewaySlug}-${slugify(originalName)}`;
}

/** Resolves a server spec against the gateways' discovered tools. Pure; see the module contract. */
export function resolveServerTools(spec: Pick<ServerSpec, 'associated_tools' | 'tool_selectors' | 'naming'>, gateways: ReadonlyMap<string, CatalogGateway>): ResolvedServer {
  const picked: CatalogEntry[] = [];
  const unmatched: string[] = [];
  const nameFor = (gw: CatalogGateway, original: string): string => (spec.naming === 'Plain' ? original : prefixedToolName(gw.slug, original));

  if (spec.associated_tools.length > 0) {
    const byId = new Map<string, { gw: CatalogGateway; tool: UpstreamTool }>();
    for (const gw of gateways.values()) for (const tool of gw.tools) byId.set(toolId(gw.id, tool.name), { gw, tool });
    for (const id of spec.associated_tools) {
      const hit = byId.get(id);
      if (!hit) {
        unmatched.push(`associated tool ${id}: no discovered tool has this id`);
        continue;
      }
      picked.push(entry(nameFor(hit.gw, hit.tool.name), hit.gw, hit.tool));
    }
  }

  for (const [i, sel] of spec.tool_selectors.entries()) {
    const where = `tool_selectors[${i}]`;
    const gw = gateways.get(sel.gateway_id);
    if (!gw) {
      unmatched.push(`${where}: gateway ${sel.gateway_id} is not registered`);
      continue;
    }
    if (gw.tools.length === 0) {
      unmatched.push(`${where}: gateway ${gw.slug} has no discovered tools yet`);
      continue;
    }
    const includes = (sel.include ?? []).map((p) => ({ p, match: globMatcher(p), hits: 0 }));
    const excludes = (sel.exclude ?? []).map(globMatcher);
    const renames = new Map(Object.entries(sel.rename ?? {}));
    const renamed = new Set<string>();
    for (const tool of gw.tools) {
      let included = includes.length === 0;
      for (const inc of includes) {
        if (inc.match(tool.name)) {
          inc.hits++;
          included = true;
        }
      }
      if (!included || excludes.some((m) => m(tool.name))) continue;
      const rename = renames.get(tool.name);
      if (rename !== undefined) renamed.add(tool.name);
      picked.push(entry(rename ?? nameFor(gw, tool.name), gw, tool));
    }
    for (const inc of includes) if (inc.hits === 0) unmatched.push(`${where}: include "${inc.p}" matched no tool of gateway ${gw.slug}`);
    for (const from of renames.keys()) if (!renamed.has(from)) unmatched.push(`${where}: rename "${from}" matched no selected tool of gateway ${gw.slug}`);
  }

  return settle(picked, unmatched);
}

function entry(name: string, gw: CatalogGateway, tool: UpstreamTool): CatalogEntry {
  return { name, toolId: toolId(gw.id, tool.name), gatewayId: gw.id, originalName: tool.name, tool };
}

/** Dedupes identical picks, removes and reports name conflicts, sorts by name. */
function settle(picked: CatalogEntry[], unmatched: string[]): ResolvedServer {
  const byName = new Map<string, Map<string, CatalogEntry>>();
  for (const e of picked) {
    let candidates = byName.get(e.name);
    if (!candidates) byName.set(e.name, (candidates = new Map()));
    candidates.set(e.toolId, e);
  }
  const tools: CatalogEntry[] = [];
  const conflicts: ResolvedServer['conflicts'] = [];
  for (const [name, candidates] of byName) {
    if (candidates.size === 1) tools.push(candidates.values().next().value as CatalogEntry);
    else conflicts.push({ name, candidates: [...candidates.values()].map((c) => `${c.gatewayId}/${c.originalName}`).sort() });
  }
  tools.sort((a, b) => cmp(a.name, b.name));
  conflicts.sort((a, b) => cmp(a.name, b.name));
  return { tools, conflicts, unmatched };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
