/**
 * The types the reconcile core works on: the resource types of `src/api/` (the one source of truth),
 * re-exported so core modules have one import, plus the Secret lookup the core is given.
 */
export type { Condition, McpGateway, McpGatewaySpec, McpGatewayStatus, ReplicaStatus, VirtualServer, VirtualServerSpec, VirtualServerStatus } from '../api/index.ts';
export type { SecretKeyRef } from '../api/fields.ts';

/**
 * Reads one Secret's data (values decoded to UTF-8 strings) in `namespace`; `undefined` when the
 * Secret does not exist. The operator answers from its Secret cache, `dev` from files.
 */
export interface SecretLookup {
  (namespace: string, name: string): Record<string, string> | undefined;
}
