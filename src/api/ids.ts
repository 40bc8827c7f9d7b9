/**
 * Deterministic identifiers shared by the control plane and the proxy. An id depends only on what
 * names the object, so every replica and every reconcile computes the same one, and a reconcile is a
 * `PUT` by id, never a lookup.
 */
import { createHash } from 'node:crypto';

/** Length of every id: 32 lowercase hex characters, the shape of a ContextForge id. */
export const ID_LENGTH = 32;

function shortHash(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex').slice(0, ID_LENGTH);
}

/**
 * The proxy id of an McpGateway: first 32 hex chars of
 * `sha256("mcp-gitops.dev/McpGateway/<namespace>/<name>")`.
 *
 * @example gatewayId('mcp', 'atlassian-rovo') // stable 32-hex string
 */
export function gatewayId(namespace: string, name: string): string {
  return shortHash(`mcp-gitops.dev/McpGateway/${namespace}/${name}`);
}

/**
 * The proxy id of a VirtualServer: first 32 hex chars of
 * `sha256("mcp-gitops.dev/VirtualServer/<namespace>/<name>")`.
 */
export function serverId(namespace: string, name: string): string {
  return shortHash(`mcp-gitops.dev/VirtualServer/${namespace}/${name}`);
}

/**
 * The id of an upstream tool: first 32 hex chars of `sha256("tool/<gatewayId>/<originalName>")`.
 * Stable across tool refreshes; independent of renames and naming policy.
 */
export function toolId(gatewayIdValue: string, originalName: string): string {
  return shortHash(`tool/${gatewayIdValue}/${originalName}`);
}

/**
 * ContextForge's slug rule: lower-case; every run of characters other than `a-z0-9` (including `_`)
 * becomes one `-`; leading and trailing `-` trimmed.
 *
 * @example slugify('searchJiraIssues_Using JQL') // 'searchjiraissues-using-jql'
 */
export function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The id of an upstream prompt: first 32 hex chars of `sha256("prompt/<gatewayId>/<originalName>")`. */
export function promptId(gatewayIdValue: string, originalName: string): string {
  return shortHash(`prompt/${gatewayIdValue}/${originalName}`);
}

/** The id of an upstream resource: first 32 hex chars of `sha256("resource/<gatewayId>/<uri>")`. */
export function resourceId(gatewayIdValue: string, uri: string): string {
  return shortHash(`resource/${gatewayIdValue}/${uri}`);
}

/** The id of an upstream resource template: first 32 hex chars of `sha256("resource-template/<gatewayId>/<uriTemplate>")`. */
export function resourceTemplateId(gatewayIdValue: string, uriTemplate: string): string {
  return shortHash(`resource-template/${gatewayIdValue}/${uriTemplate}`);
}
