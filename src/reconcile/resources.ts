/**
 * The shape of the two kinds as the reconcile core reads them. These are structural views of the
 * zod-derived types in `src/api/` (that module is the one source of truth; these interfaces only
 * name the fields the core uses, so an API object is always assignable to them).
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface HeaderSpec {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: SecretKeyRef };
}

export interface OAuthSpec {
  grantType?: 'AuthorizationCode' | 'ClientCredentials';
  issuer?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  redirectUri?: string;
  scopes?: string[];
  audience?: string;
  resource?: string;
  clientId?: string;
  clientSecretRef?: SecretKeyRef;
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic' | 'none';
  discovery?: 'Static' | 'Issuer' | 'MCP';
}

export interface McpGatewaySpec {
  url: string;
  transport?: 'StreamableHTTP' | 'SSE';
  description?: string;
  auth?: {
    type?: 'None' | 'Bearer' | 'Headers' | 'OAuth';
    bearer?: { tokenSecretRef: SecretKeyRef };
    headers?: HeaderSpec[];
    oauth?: OAuthSpec;
  };
  healthCheck?: { intervalSeconds?: number };
  toolRefresh?: { intervalSeconds?: number };
  allowPrivateNetwork?: boolean;
}

export interface ReplicaStatus {
  /** The replica's admin address as the operator reaches it. */
  endpoint: string;
  /** Every registration of this object is on the replica with the desired spec hash. */
  synced: boolean;
  /** Why not, without secrets. */
  message?: string;
}

export interface McpGatewayStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  toolCount?: number;
  authorizedUsers?: number;
  /** The admin API id of this gateway on every proxy replica. */
  gatewayId?: string;
  replicas?: ReplicaStatus[];
}

export interface McpGateway {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: McpGatewaySpec;
  status?: McpGatewayStatus;
}

export interface ToolSelectorSpec {
  gateway: string;
  include?: string[];
  exclude?: string[];
  rename?: Record<string, string>;
}

export interface VirtualServerSpec {
  description?: string;
  tools: ToolSelectorSpec[];
  naming?: 'Prefixed' | 'Plain';
  access?: { users?: string[]; groups?: string[] };
}

export interface VirtualServerStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  toolCount?: number;
  tools?: string[];
  endpoint?: string;
  serverId?: string;
  replicas?: ReplicaStatus[];
}

export interface VirtualServer {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: VirtualServerSpec;
  status?: VirtualServerStatus;
}

/** Reads one key of one Secret in the resource's namespace. `undefined` Secret = not found. */
export interface SecretLookup {
  (namespace: string, name: string): Record<string, string> | undefined;
}
