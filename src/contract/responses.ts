/**
 * Responses of the proxy admin API (docs/admin-api.md), camelCase like ContextForge's *Read models.
 * Secret values are never sent back: they are masked as `MASKED`.
 */
import { z } from 'zod';

export const MASKED = '*****';

export interface GatewayRead {
  id: string;
  name: string;
  slug: string;
  url: string;
  transport: 'STREAMABLEHTTP' | 'SSE';
  description: string | null;
  authType: 'none' | 'bearer' | 'authheaders' | 'oauth';
  /** `oauth_config` with `client_secret` masked; null unless `authType` is oauth. */
  oauthConfig: Record<string, unknown> | null;
  namespace: string;
  enabled: boolean;
  /** Whether the last connection attempt or health check succeeded. False until the first success. */
  reachable: boolean;
  /** Why the last attempt failed, without secrets; null after a success. */
  lastError: string | null;
  /** When the proxy last checked the upstream (ISO 8601), null before the first check. */
  lastCheck: string | null;
  /** When the upstream last answered successfully. */
  lastSeen: string | null;
  toolCount: number;
  /** Resources the upstream lists (`resources/list`). */
  resourceCount: number;
  resourceTemplateCount: number;
  promptCount: number;
  /** The upstream's `instructions` from its `initialize`, null when it sent none. */
  instructions: string | null;
  /** Users with a stored token (OAuth authorization_code); 0 for other auth types. */
  authorizedUsers: number;
  specHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface ConflictRead {
  /** The name two or more selected tools would be served under. */
  name: string;
  /** Each candidate as `<gatewayId>/<originalName>`. */
  candidates: string[];
}

export interface ServerRead {
  id: string;
  name: string;
  description: string | null;
  namespace: string;
  visibility: 'private' | 'team' | 'public';
  /** Names of the tools the server serves, in the order agents see them. */
  associatedTools: string[];
  associatedToolIds: string[];
  toolCount: number;
  /** URIs of the resources served, then the URI templates of the templates served. */
  associatedResources: string[];
  associatedResourceIds: string[];
  /** Names of the prompts served, as agents see them. */
  associatedPrompts: string[];
  associatedPromptIds: string[];
  resourceCount: number;
  resourceTemplateCount: number;
  promptCount: number;
  conflicts: ConflictRead[];
  /** URIs (or URI templates) offered by more than one selected gateway; served by none. */
  resourceConflicts: ConflictRead[];
  promptConflicts: ConflictRead[];
  /** Selectors (or associated tool ids) that matched nothing, described for a human. */
  unmatched: string[];
  /** Path of the MCP endpoint: `/servers/<id>/mcp`. */
  endpoint: string;
  specHash: string;
  createdAt: string;
  updatedAt: string;
}

export interface ToolRead {
  id: string;
  /** The name as served (by `GET /tools`: the prefixed default name; by a server: as that server serves it). */
  name: string;
  originalName: string;
  gatewayId: string;
  gatewaySlug: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
  enabled: boolean;
  reachable: boolean;
}

/** A resource or resource template of a gateway (ContextForge's ResourceRead, plus where it comes from). */
export interface ResourceRead {
  id: string;
  /** The resource's URI; null for a template. */
  uri: string | null;
  /** The template's RFC 6570 URI template; null for a plain resource. */
  uriTemplate: string | null;
  name: string;
  title: string | null;
  description: string | null;
  mimeType: string | null;
  size: number | null;
  annotations: Record<string, unknown> | null;
  gatewayId: string;
  gatewaySlug: string;
  enabled: boolean;
  reachable: boolean;
}

export interface PromptArgumentRead {
  name: string;
  description: string | null;
  required: boolean;
}

/** A prompt of a gateway (ContextForge's PromptRead fields that apply to a federated prompt). */
export interface PromptRead {
  id: string;
  /** The name as served (by `GET /prompts`: the prefixed default name; by a server: as that server serves it). */
  name: string;
  originalName: string;
  title: string | null;
  description: string | null;
  arguments: PromptArgumentRead[];
  gatewayId: string;
  gatewaySlug: string;
  enabled: boolean;
  reachable: boolean;
}

/**
 * `GET /state`: what a replica holds (spec hash per id), whether it is synced, and which upstreams
 * it cannot reach. A schema rather than a bare type because the operator reads it from every
 * replica on every poll: `AdminClient.getState` refuses a malformed answer naming the field.
 */
export const StateRead = z.object({
  /** sha256 over the sorted lines `gateway/<id>/<specHash>` and `server/<id>/<specHash>`. */
  digest: z.string(),
  gateways: z.record(z.string(), z.string()),
  servers: z.record(z.string(), z.string()),
  ready: z.boolean(),
  startedAt: z.string(),
  /**
   * Ids of the gateways whose upstream this replica checked and cannot reach now (sorted); every
   * other gateway is reachable or not checked yet. The same rule as `GatewayRead` (`reachable`
   * false with a `lastCheck`), so a change here is a change of the gateway's `Reachable` condition.
   * Absent in answers of replicas older than this field.
   */
  unreachable: z.array(z.string()).optional(),
});
export type StateRead = z.output<typeof StateRead>;

export interface DeleteRead {
  status: 'success';
  message: string;
}

export interface ErrorRead {
  message: string;
  code: string;
  details?: { path: string; message: string }[];
}
