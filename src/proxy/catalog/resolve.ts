/**
 * The catalog: pure functions from what the gateways offer (tools, prompts, resources, resource
 * templates) and a virtual server's spec to what that server serves. Selection rules are in
 * `select.ts`; this file says how each kind is keyed and named:
 * - tools and prompts: `rename` verbatim; else `naming: Prefixed` (default) serves
 *   `<gateway-slug>-<slug(originalName)>` (ContextForge's rule), `Plain` the upstream name.
 * - resources and templates: the upstream URI (template) unchanged, never renamed. One resource
 *   selector selects both; a URI offered by two selected gateways is a conflict, served by neither.
 */
import { promptId, resourceId, resourceTemplateId, slugify, toolId } from '../../api/ids.ts';
import type { ServerSpec } from '../../contract/wire.ts';
import { select, type Conflict, type Kind, type Offer, type Served } from './select.ts';

/** A tool as the upstream describes it in `tools/list` (passed through untouched). */
export interface UpstreamTool {
  name: string;
  description?: string | undefined;
  inputSchema: { type: 'object'; [k: string]: unknown };
  outputSchema?: { type: 'object'; [k: string]: unknown } | undefined;
  annotations?: Record<string, unknown> | undefined;
  [k: string]: unknown;
}

/** A prompt as the upstream lists it (passed through untouched apart from its name). */
export interface UpstreamPrompt {
  name: string;
  description?: string | undefined;
  arguments?: { name: string; description?: string | undefined; required?: boolean | undefined }[] | undefined;
  [k: string]: unknown;
}

/** A resource as the upstream lists it (passed through untouched). */
export interface UpstreamResource {
  uri: string;
  name: string;
  [k: string]: unknown;
}

/** A resource template as the upstream lists it (passed through untouched). */
export interface UpstreamResourceTemplate {
  uriTemplate: string;
  name: string;
  [k: string]: unknown;
}

/** What the catalog knows of one gateway. Lists are empty before the first successful discovery. */
export interface CatalogGateway {
  id: string;
  slug: string;
  tools: readonly UpstreamTool[];
  prompts?: readonly UpstreamPrompt[];
  resources?: readonly UpstreamResource[];
  resourceTemplates?: readonly UpstreamResourceTemplate[];
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

/** One prompt as a server serves it. */
export interface PromptEntry {
  name: string;
  promptId: string;
  gatewayId: string;
  originalName: string;
  prompt: UpstreamPrompt;
}

/** One resource as a server serves it (under its upstream URI). */
export interface ResourceEntry {
  uri: string;
  resourceId: string;
  gatewayId: string;
  resource: UpstreamResource;
}

/** One resource template as a server serves it (under its upstream URI template). */
export interface TemplateEntry {
  uriTemplate: string;
  resourceId: string;
  gatewayId: string;
  template: UpstreamResourceTemplate;
}

export interface ResolvedServer {
  tools: CatalogEntry[];
  conflicts: Conflict[];
  unmatched: string[];
}

export interface ResolvedCatalog extends ResolvedServer {
  prompts: PromptEntry[];
  resources: ResourceEntry[];
  resourceTemplates: TemplateEntry[];
  promptConflicts: Conflict[];
  resourceConflicts: Conflict[];
}

type Spec = Pick<ServerSpec, 'associated_tools' | 'tool_selectors' | 'naming'> &
  Partial<Pick<ServerSpec, 'associated_prompts' | 'prompt_selectors' | 'associated_resources' | 'resource_selectors'>>;

/** The default (Prefixed) name of an upstream tool or prompt: `<gateway-slug>-<slug(originalName)>`. */
export function prefixedToolName(gatewaySlug: string, originalName: string): string {
  return `${gatewaySlug}-${slugify(originalName)}`;
}

function named(naming: Spec['naming']) {
  return (gw: CatalogGateway, o: Offer<unknown>): string => (naming === 'Plain' ? o.key : prefixedToolName(gw.slug, o.key));
}

function toolKind(naming: Spec['naming']): Kind<CatalogGateway, UpstreamTool> {
  return {
    noun: 'tools',
    selectorField: 'tool_selectors',
    associatedNoun: 'associated tool',
    offers: (gw) => gw.tools.map((t) => ({ key: t.name, id: toolId(gw.id, t.name), family: 'tool', item: t })),
    servedName: named(naming),
  };
}

function promptKind(naming: Spec['naming']): Kind<CatalogGateway, UpstreamPrompt> {
  return {
    noun: 'prompts',
    selectorField: 'prompt_selectors',
    associatedNoun: 'associated prompt',
    offers: (gw) => (gw.prompts ?? []).map((p) => ({ key: p.name, id: promptId(gw.id, p.name), family: 'prompt', item: p })),
    servedName: named(naming),
  };
}

type AnyResource = { resource: UpstreamResource } | { template: UpstreamResourceTemplate };

const resourceKind: Kind<CatalogGateway, AnyResource> = {
  noun: 'resources',
  selectorField: 'resource_selectors',
  associatedNoun: 'associated resource',
  offers: (gw) => [
    ...(gw.resources ?? []).map((r) => ({ key: r.uri, id: resourceId(gw.id, r.uri), family: 'resource', item: { resource: r } })),
    ...(gw.resourceTemplates ?? []).map((t) => ({ key: t.uriTemplate, id: resourceTemplateId(gw.id, t.uriTemplate), family: 'template', item: { template: t } })),
  ],
  servedName: (_gw, o) => o.key,
};

const toTool = (s: Served<UpstreamTool>): CatalogEntry => ({ name: s.name, toolId: s.id, gatewayId: s.gatewayId, originalName: s.key, tool: s.item });

/** Resolves a server spec's tools against the gateways' discovered tools. Pure. */
export function resolveServerTools(spec: Spec, gateways: ReadonlyMap<string, CatalogGateway>): ResolvedServer {
  const t = select(toolKind(spec.naming), spec.associated_tools, spec.tool_selectors, gateways);
  return { tools: t.served.map(toTool), conflicts: t.conflicts, unmatched: t.unmatched };
}

/** Resolves everything a server serves: tools, prompts, resources and templates. Pure. */
export function resolveServer(spec: Spec, gateways: ReadonlyMap<string, CatalogGateway>): ResolvedCatalog {
  const t = select(toolKind(spec.naming), spec.associated_tools, spec.tool_selectors, gateways);
  const p = select(promptKind(spec.naming), spec.associated_prompts ?? [], spec.prompt_selectors ?? [], gateways);
  const r = select(resourceKind, spec.associated_resources ?? [], spec.resource_selectors ?? [], gateways);
  const resources: ResourceEntry[] = [];
  const resourceTemplates: TemplateEntry[] = [];
  for (const s of r.served) {
    if ('resource' in s.item) resources.push({ uri: s.name, resourceId: s.id, gatewayId: s.gatewayId, resource: s.item.resource });
    else resourceTemplates.push({ uriTemplate: s.name, resourceId: s.id, gatewayId: s.gatewayId, template: s.item.template });
  }
  return {
    tools: t.served.map(toTool),
    conflicts: t.conflicts,
    prompts: p.served.map((s) => ({ name: s.name, promptId: s.id, gatewayId: s.gatewayId, originalName: s.key, prompt: s.item })),
    promptConflicts: p.conflicts,
    resources,
    resourceTemplates,
    resourceConflicts: r.conflicts,
    unmatched: [...t.unmatched, ...p.unmatched, ...r.unmatched],
  };
}
