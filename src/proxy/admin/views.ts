/**
 * Registrations plus observed state → the admin API's `*Read` responses. Secrets are masked.
 */
import { toolId } from '../../api/ids.ts';
import type { ResolvedCatalogServer } from '../catalog/catalog.ts';
import { prefixedToolName, type CatalogEntry } from '../catalog/resolve.ts';
import type { GatewayRegistration, ServerRegistration } from '../registry/types.ts';
import type { GatewayRuntime } from '../upstream/gateway-runtime.ts';
import { MASKED, type GatewayRead, type ServerRead, type ToolRead } from '../../contract/wire.ts';

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
    toolCount: runtime?.tools.length ?? 0,
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
    conflicts: resolved.conflicts,
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
