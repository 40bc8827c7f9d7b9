/**
 * What the proxy stores for each registration: the validated body (snake_case, defaults applied),
 * the id, the hash of the body as sent, and timestamps. Observed state (reachable, tools) lives in
 * the upstream pool, not here.
 */
import type { GatewayCreate, ServerSpec } from '../../contract/wire.ts';

export interface GatewayRegistration {
  /** 32 hex; `gatewayId(namespace, name)` unless the caller chose one. */
  readonly id: string;
  /** `slug(spec.name)`: the tool-name prefix. */
  readonly slug: string;
  /** The validated body. `spec.oauth_config` carries the OAuth settings for the credential provider. */
  readonly spec: GatewayCreate;
  /** `specHash(body as sent)`. */
  readonly specHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ServerRegistration {
  readonly id: string;
  readonly spec: ServerSpec;
  readonly specHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Who is calling through an agent route: the `sub` of the agent's JWT and its `groups` claim. */
export interface AgentIdentity {
  readonly user: string;
  readonly groups: readonly string[];
}
