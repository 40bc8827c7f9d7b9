/**
 * Registrations plus observed state → the admin API's `*Read` responses. Secrets are masked.
 */
import { promptId, resourceId, resourceTemplateId, toolId } from '../../api/ids.ts';
import type { ResolvedCatalogServer } from '../catalog/catalog.ts';
import { prefixedToolName, type CatalogEntry, type PromptEntry, type UpstreamPrompt, type UpstreamResource, type UpstreamResourceTemplate } from '../catalog/resolve.ts';
import type { GatewayRegistration, ServerRegistration } from '../registry/types.ts';
import type { GatewayRuntime } from '../upstream/gateway-runtime.ts';
import { MASKED, type GatewayRead, type PromptRead, type ResourceRead, type ServerRead, type ToolRead } from '../../contract/wire.ts';

const SECRET_OAUTH_KEYS = new Set(['client_secret', 'refresh_token', 'access_token', 'id_token', 'token', 'secret', 'password', 'private_key']);

export function gatewayRead(g: GatewayRegistration, runtime: GatewayRuntime | undefined, authorizedUsers: number): GatewayRead {
  const s = g.spec;
  let oauthConfig: Record<string, unknown> | null = null;
  if (s.auth_type === 'oauth' && s.oauth_config) {
    oauthConfig = {};
    for (const [k, v] of Object.entries(s.oauth_config)) oauthConfig[k] = SECRET_OAUTH_KEYS.has(k) && v !== undefined ? MASKED : v;
  }
  return {
    id: g.id,
    name: s.name,
    slug: g.slug,
    url: s.url,
    transport: s.transport,
    description: s.description ?? null,
    authType: s.auth_type,
    oauthConfig,
    namespace: s.namespace,
    enabled: s.enabled,
    reachable: runtime?.reachable ?? false,
    lastError: runtime?.lastError ?? null,
    lastCheck: runtime?.lastCheck?.toISOString() ?? null,
    lastSeen: runtime?.lastSeen?.toISOString() ?? null,
    toolCount: runtime?.offer.tools.length ?? 0,
    resourceCount: runtime?.offer.resources.length ?? 0,
    resourceTemplateCount: runtime?.offer.resourceTemplates.length ?? 0,
    promptCount: runtime?.offer.prompts.length ?? 0,
    instructions: runtime?.offer.instructions ?? null,
    authorizedUsers,
    specHash: g.specHash,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

export function serverRead(s: ServerRegistration, resolved: ResolvedCatalogServer): ServerRead {
  return {
    id: s.id,
    name: s.spec.name,
    description: s.spec.description ?? null,
    namespace: s.spec.namespace,
    visibility: s.spec.visibility,
    associatedTools: resolved.tools.map((t) => t.name),
    associatedToolIds: resolved.tools.map((t) => t.toolId),
    toolCount: resolved.tools.length,
    associatedResources: [...resolved.resources.map((r) => r.uri), ...resolved.resourceTemplates.map((t) => t.uriTemplate)],
    associatedResourceIds: [...resolved.resources.map((r) => r.resourceId), ...resolved.resourceTemplates.map((t) => t.resourceId)],
    associatedPrompts: resolved.prompts.map((p) => p.name),
    associatedPromptIds: resolved.prompts.map((p) => p.promptId),
    resourceCount: resolved.resources.length,
    resourceTemplateCount: resolved.resourceTemplates.length,
    promptCount: resolved.prompts.length,
    conflicts: resolved.conflicts,
    resourceConflicts: resolved.resourceConflicts,
    promptConflicts: resolved.promptConflicts,
    unmatched: resolved.unmatched,
    endpoint: `/servers/${s.id}/mcp`,
    specHash: s.specHash,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** A discovered tool under its default (Prefixed) name, as `GET /tools` lists it. */
export function gatewayToolReads(runtime: GatewayRuntime): ToolRead[] {
  const g = runtime.registration;
  return runtime.tools.map((t) =>
    toolRead({ name: prefixedToolName(g.slug, t.name), toolId: toolId(g.id, t.name), gatewayId: g.id, originalName: t.name, tool: t as CatalogEntry['tool'] }, g.slug, runtime.reachable, g.spec.enabled),
  );
}

export function toolRead(e: CatalogEntry, gatewaySlug: string, reachable: boolean, enabled = true): ToolRead {
  return {
    id: e.toolId,
    name: e.name,
    originalName: e.originalName,
    gatewayId: e.gatewayId,
    gatewaySlug,
    description: e.tool.description ?? null,
    inputSchema: e.tool.inputSchema,
    outputSchema: e.tool.outputSchema ?? null,
    annotations: e.tool.annotations ?? null,
    enabled,
    reachable,
  };
}

/** Where an item comes from, for the `*Read` views: the gateway's slug and observed state. */
export interface ItemOrigin {
  gatewayId: string;
  gatewaySlug: string;
  reachable: boolean;
  enabled: boolean;
}

export function originOf(runtime: GatewayRuntime): ItemOrigin {
  return { gatewayId: runtime.id, gatewaySlug: runtime.registration.slug, reachable: runtime.reachable, enabled: runtime.registration.spec.enabled };
}

export function resourceRead(r: UpstreamResource, origin: ItemOrigin): ResourceRead {
  return {
    id: resourceId(origin.gatewayId, r.uri),
    uri: r.uri,
    uriTemplate: null,
    ...describedBy(r),
    mimeType: typeof r.mimeType === 'string' ? r.mimeType : null,
    size: typeof r.size === 'number' ? r.size : null,
    ...origin,
  };
}

export function resourceTemplateRead(t: UpstreamResourceTemplate, origin: ItemOrigin): ResourceRead {
  return {
    id: resourceTemplateId(origin.gatewayId, t.uriTemplate),
    uri: null,
    uriTemplate: t.uriTemplate,
    ...describedBy(t),
    mimeType: typeof t.mimeType === 'string' ? t.mimeType : null,
    size: null,
    ...origin,
  };
}

/** A prompt under `name` (its served name; `GET /prompts` uses the prefixed default). */
export function promptRead(p: UpstreamPrompt, name: string, origin: ItemOrigin): PromptRead {
  const d = describedBy(p);
  return {
    id: promptId(origin.gatewayId, p.name),
    name,
    originalName: p.name,
    title: d.title,
    description: d.description,
    arguments: (p.arguments ?? []).map((a) => ({ name: a.name, description: a.description ?? null, required: a.required === true })),
    ...origin,
  };
}

/** Every resource and template of a gateway, as `GET /resources` lists them. */
export function gatewayResourceReads(runtime: GatewayRuntime): ResourceRead[] {
  const origin = originOf(runtime);
  return [...runtime.offer.resources.map((r) => resourceRead(r as UpstreamResource, origin)), ...runtime.offer.resourceTemplates.map((t) => resourceTemplateRead(t as UpstreamResourceTemplate, origin))];
}

/** Every prompt of a gateway under its default (Prefixed) name, as `GET /prompts` lists them. */
export function gatewayPromptReads(runtime: GatewayRuntime): PromptRead[] {
  const origin = originOf(runtime);
  return runtime.offer.prompts.map((p) => promptRead(p as UpstreamPrompt, prefixedToolName(origin.gatewaySlug, p.name), origin));
}

/** What a server serves of resources and templates, with origins from `runtimeOf`. */
export function serverResourceReads(resolved: ResolvedCatalogServer, runtimeOf: (gatewayId: string) => GatewayRuntime | undefined): ResourceRead[] {
  const origin = (id: string): ItemOrigin => {
    const rt = runtimeOf(id);
    return rt ? originOf(rt) : { gatewayId: id, gatewaySlug: '', reachable: false, enabled: false };
  };
  return [...resolved.resources.map((r) => resourceRead(r.resource, origin(r.gatewayId))), ...resolved.resourceTemplates.map((t) => resourceTemplateRead(t.template, origin(t.gatewayId)))];
}

export function serverPromptReads(resolved: ResolvedCatalogServer, runtimeOf: (gatewayId: string) => GatewayRuntime | undefined): PromptRead[] {
  return resolved.prompts.map((p: PromptEntry) => {
    const rt = runtimeOf(p.gatewayId);
    return promptRead(p.prompt, p.name, rt ? originOf(rt) : { gatewayId: p.gatewayId, gatewaySlug: '', reachable: false, enabled: false });
  });
}

/** The descriptive fields MCP gives resources, templates and prompts. */
function describedBy(x: { name: string; [k: string]: unknown }): { name: string; title: string | null; description: string | null; annotations: Record<string, unknown> | null } {
  return {
    name: x.name,
    title: typeof x.title === 'string' ? x.title : null,
    description: typeof x.description === 'string' ? x.description : null,
    annotations: x.annotations !== null && typeof x.annotations === 'object' ? (x.annotations as Record<string, unknown>) : null,
  };
}
