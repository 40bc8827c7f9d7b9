/**
 * Selection, the one rule tools, prompts and resources share: which upstream items of which
 * gateways a virtual server serves, under which name, and which names are conflicts.
 *
 * Contract:
 * - Associated ids (seed style) and selectors (include/exclude globs, rename) add up.
 * - A selector's include patterns match an item's key (tool or prompt name, resource URI or URI
 *   template); omitted or empty = every item of the gateway; exclude is applied after include.
 * - The served name is the rename target when the selector renames the key, else `servedName`.
 * - Two different items served under one name are a conflict: all are left out and the conflict is
 *   reported (candidates as `<gatewayId>/<key>`). There is never a silent winner.
 * - Selectors, include patterns, renames and ids that match nothing are reported in `unmatched`.
 * - Output sorted by name (then family), so equal inputs give equal outputs.
 */
import { globMatcher } from './glob.ts';

/** A selector as the admin API stores it (tool, prompt and resource selectors have this shape). */
export interface SelectorSpec {
  gateway_id: string;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  rename?: Record<string, string> | undefined;
}

/** One upstream item a gateway offers, as selection sees it. */
export interface Offer<T> {
  /** What patterns match and renames name: the upstream name, URI or URI template. */
  key: string;
  /** Stable id (`toolId`, `promptId`, …): what associated ids refer to, and what makes two picks the same. */
  id: string;
  /** Items of different families never conflict with each other (a resource and a template). */
  family: string;
  item: T;
}

/** One item as a server serves it. */
export interface Served<T> {
  name: string;
  id: string;
  gatewayId: string;
  key: string;
  family: string;
  item: T;
}

export interface Conflict {
  name: string;
  candidates: string[];
}

/** What one kind (tools, prompts, resources) needs to be selected. */
export interface Kind<G, T> {
  /** Plural noun for messages: "tools", "prompts", "resources". */
  noun: string;
  /** Field names for messages: `tool_selectors`, `associated tools`. */
  selectorField: string;
  associatedNoun: string;
  offers(gateway: G): readonly Offer<T>[];
  /** The name an unrenamed item is served under. */
  servedName(gateway: G, offer: Offer<T>): string;
}

export interface Selection<T> {
  served: Served<T>[];
  conflicts: Conflict[];
  unmatched: string[];
}

/** Applies associated ids and selectors of one kind to the gateways' offers. See the module contract. */
export function select<G extends { id: string; slug: string }, T>(
  kind: Kind<G, T>,
  associated: readonly string[],
  selectors: readonly SelectorSpec[],
  gateways: ReadonlyMap<string, G>,
): Selection<T> {
  const picked: Served<T>[] = [];
  const unmatched: string[] = [];
  const serve = (gw: G, o: Offer<T>, name: string): Served<T> => ({ name, id: o.id, gatewayId: gw.id, key: o.key, family: o.family, item: o.item });

  if (associated.length > 0) {
    const byId = new Map<string, { gw: G; offer: Offer<T> }>();
    for (const gw of gateways.values()) for (const offer of kind.offers(gw)) byId.set(offer.id, { gw, offer });
    for (const id of associated) {
      const hit = byId.get(id);
      if (hit) picked.push(serve(hit.gw, hit.offer, kind.servedName(hit.gw, hit.offer)));
      else unmatched.push(`${kind.associatedNoun} ${id}: no discovered ${kind.noun.replace(/s$/, '')} has this id`);
    }
  }

  for (const [i, sel] of selectors.entries()) {
    const where = `${kind.selectorField}[${i}]`;
    const gw = gateways.get(sel.gateway_id);
    if (!gw) {
      unmatched.push(`${where}: gateway ${sel.gateway_id} is not registered`);
      continue;
    }
    const offers = kind.offers(gw);
    if (offers.length === 0) {
      unmatched.push(`${where}: gateway ${gw.slug} has no discovered ${kind.noun} yet`);
      continue;
    }
    const includes = (sel.include ?? []).map((p, j) => ({ p, j, match: globMatcher(p), hits: 0 }));
    const excludes = (sel.exclude ?? []).map(globMatcher);
    const renames = new Map(Object.entries(sel.rename ?? {}));
    const renamed = new Set<string>();
    let kept = 0;
    let excluded = 0;
    for (const offer of offers) {
      let included = includes.length === 0;
      for (const inc of includes) {
        if (inc.match(offer.key)) {
          inc.hits++;
          included = true;
        }
      }
      if (!included) continue;
      if (excludes.some((m) => m(offer.key))) {
        excluded++;
        continue;
      }
      kept++;
      const rename = renames.get(offer.key);
      if (rename !== undefined) renamed.add(offer.key);
      picked.push(serve(gw, offer, rename ?? kind.servedName(gw, offer)));
    }
    for (const inc of includes) if (inc.hits === 0) unmatched.push(`${where}.include[${inc.j}] "${inc.p}" matched no ${kind.noun.replace(/s$/, '')} of gateway ${gw.slug}`);
    if (kept === 0 && excluded > 0) unmatched.push(`${where}.exclude removes every ${kind.noun.replace(/s$/, '')} of gateway ${gw.slug} (every ${kind.noun.replace(/s$/, '')} excluded)`);
    for (const from of renames.keys()) if (!renamed.has(from)) unmatched.push(`${where}.rename "${from}" matched no selected ${kind.noun.replace(/s$/, '')} of gateway ${gw.slug}`);
  }
  return settle(picked, unmatched);
}

/** Dedupes identical picks, removes and reports name conflicts (per family), sorts by name. */
function settle<T>(picked: Served<T>[], unmatched: string[]): Selection<T> {
  const byName = new Map<string, Map<string, Served<T>>>();
  for (const e of picked) {
    const slot = `${e.family}\u0000${e.name}`;
    let candidates = byName.get(slot);
    if (!candidates) byName.set(slot, (candidates = new Map()));
    candidates.set(e.id, e);
  }
  const served: Served<T>[] = [];
  const conflicts: Conflict[] = [];
  for (const candidates of byName.values()) {
    const all = [...candidates.values()];
    if (all.length === 1) served.push(all[0]!);
    else conflicts.push({ name: all[0]!.name, candidates: all.map((c) => `${c.gatewayId}/${c.key}`).sort() });
  }
  served.sort((a, b) => cmp(a.name, b.name) || cmp(a.family, b.family));
  conflicts.sort((a, b) => cmp(a.name, b.name));
  return { served, conflicts, unmatched };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
