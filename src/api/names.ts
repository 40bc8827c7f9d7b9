/**
 * The API group, version, kinds and resource names of mcp-gitops. Re-exported by `resources.ts`;
 * kept in a file of their own so the schema files can import them without an import cycle.
 */

/** The API group of every mcp-gitops resource. */
export const GROUP = 'mcp-gitops.dev';

/** The one served and stored version. */
export const VERSION = 'v1alpha1';

/** `apiVersion` as written in manifests: `mcp-gitops.dev/v1alpha1`. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The category both kinds belong to, so `kubectl get mcp` lists them together. */
export const CATEGORY = 'mcp';

/** Names of one kind, as the CRD's `spec.names` spells them. */
export interface KindNames {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
}

/**
 * McpGateway: one upstream MCP server. Short name `mcpgw`.
 */
export const MCP_GATEWAY: KindNames = {
  kind: 'McpGateway',
  listKind: 'McpGatewayList',
  plural: 'mcpgateways',
  singular: 'mcpgateway',
  shortNames: ['mcpgw'],
};

/**
 * VirtualServer: a curated tool set served to agents as one MCP endpoint. Short name `mcpvs`
 * (`vs` is Istio's VirtualService).
 */
export const VIRTUAL_SERVER: KindNames = {
  kind: 'VirtualServer',
  listKind: 'VirtualServerList',
  plural: 'virtualservers',
  singular: 'virtualserver',
  shortNames: ['mcpvs'],
};

/** The kinds of this API group. */
export type Kind = 'McpGateway' | 'VirtualServer';
