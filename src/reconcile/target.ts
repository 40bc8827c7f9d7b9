/**
 * The reconcile target port: where the operator (and `mcp-gitops dev`) converges desired
 * registrations. The reconcile pipeline knows only this interface; each gateway product is one
 * adapter behind it (today: the mcp-gitops proxy replicas through their admin API,
 * `src/operator/targets/proxy-replicas.ts`; next: ContextForge).
 *
 * Types only, no I/O: `src/reconcile/` stays pure.
 *
 * ## Vocabulary
 *
 * - A *target* is one gateway product deployment. It has one or more *members*: the places that
 *   must each hold every registration (a proxy replica; a ContextForge instance is one member).
 *   A member's `endpoint` is its name in `status.replicas[].endpoint`, unique across all targets
 *   (use its URL).
 * - A *registration* is what one resource becomes on a target: kind (`gateway` for an McpGateway,
 *   `server` for a VirtualServer), an `id` (`gatewayId()`/`serverId()`: stable, derived from
 *   namespace/name), the canonical `body` (the mcp-gitops admin API body, docs/admin-api.md) and its
 *   `hash` (`specHash(body)`). An adapter translates the body into its product's API; the hash is
 *   how the pipeline tells "already holds this" from "must write", so an adapter must be able to say
 *   which hash each member holds (its own record, an annotation/tag on the product's object, …).
 *
 * ## Contract (what the pipeline relies on)
 *
 * 1. `apply(kind, desired)` makes every member hold `desired` and resolves one
 *    `MemberObservation` per member, in any order. It never rejects because a member failed: that
 *    member's observation has `synced: false` and an `error` safe for status (no secret, one line).
 *    It writes only when the member does not hold `desired.hash` already (a no-op resync writes
 *    nothing), and it must give up on a member within a few seconds (short timeouts; a hung member
 *    may be answered from a circuit breaker at once).
 * 2. `read` on an observation is what the member reports for the registration afterwards:
 *    upstream health and discovered tools for a gateway (`GatewayObserved`), the served endpoint,
 *    tool count, unmatched selectors and name conflicts for a server (`ServerObserved`). Status is
 *    computed from these alone (`src/reconcile/status.ts`). Leave it out when the member did not
 *    answer.
 * 3. `delete(kind, id)` removes the registration from every member and resolves the members that
 *    failed (empty when all succeeded). Deleting what a member does not hold is success.
 *    `onlyNamespace` (garbage collection of a namespace-scoped operator) deletes only a registration
 *    the member says belongs to that namespace.
 * 4. `observe()` reports, per member, the hash of every registration it holds (or `error` when it
 *    did not answer), and, when the product knows, the gateways whose upstream it cannot reach. The pipeline polls it to re-queue resources a member lost or holds another
 *    version of (a restarted member, a hand edit), and to garbage-collect registrations no resource
 *    corresponds to. It must not hang: a member that does not answer within seconds is `error`.
 * 5. `confirmConverged(endpoint, digest)` (optional) tells a member that it holds exactly the
 *    desired set whose `stateDigest()` is `digest`; the proxy uses it to turn ready only after its
 *    first full sync. A product without such a gate leaves it out.
 * 6. `members()` lists the current endpoints; `onMembersChanged` fires when the set changes (the
 *    pipeline then re-queues everything). `start()` resolves once the first member list is known.
 *
 * Several targets may be configured at once; the pipeline applies every registration to each, and
 * a resource is Ready when every serving member of every target holds it.
 *
 * @example
 * const obs = await target.apply('gateway', desiredGateway(gw, secrets));
 * const failed = obs.filter((o) => !o.synced); // → status.replicas[], Ready=False/ReplicasNotSynced
 */
import type { GatewayBody, ServerBody } from '../contract/wire.ts';
import type { DesiredRegistration } from './desired.ts';

/** `gateway` (from an McpGateway) or `server` (from a VirtualServer). */
export type RegistrationKind = 'gateway' | 'server';

/** What a member reports about a gateway registration: the upstream's health and its tools. */
export interface GatewayObserved {
  /** The last connection attempt or health check succeeded. */
  reachable: boolean;
  /** Why the last attempt failed, without secrets; null after a success. */
  lastError: string | null;
  /** When the member last checked the upstream (ISO 8601); null before the first check. */
  lastCheck: string | null;
  toolCount: number;
  /** Users with a stored OAuth token (authorization-code gateways); 0 otherwise. */
  authorizedUsers: number;
  /** Discovered resources, resource templates and prompts; absent counts as 0. */
  resourceCount?: number;
  resourceTemplateCount?: number;
  promptCount?: number;
}

/** A name two or more selected items would be served under, with each candidate as `<gatewayId>/<name>`. */
export interface ConflictObserved {
  name: string;
  candidates: string[];
}

/** What a member reports about a server registration: where it is served and how its selectors resolved. */
export interface ServerObserved {
  /** Path of the MCP endpoint on the member, e.g. `/servers/<id>/mcp`. */
  endpoint: string;
  toolCount: number;
  /** Selectors that matched nothing, described for a human. */
  unmatched: string[];
  /** Names two or more selected tools would be served under. */
  conflicts: ConflictObserved[];
  /** The same for resources and prompts, and their counts; absent counts as none. */
  resourceConflicts?: ConflictObserved[];
  promptConflicts?: ConflictObserved[];
  resourceCount?: number;
  resourceTemplateCount?: number;
  promptCount?: number;
}

export interface BodyOf {
  gateway: GatewayBody;
  server: ServerBody;
}

export interface ObservedOf {
  gateway: GatewayObserved;
  server: ServerObserved;
}

/** One member's answer for one registration after `apply`. */
export interface MemberObservation<R> {
  /** The member's name in status (its URL). */
  endpoint: string;
  /** The member holds the desired hash. */
  synced: boolean;
  /**
   * The member serves agents now (a proxy replica the Service's EndpointSlices mark ready).
   * `false` for one that is starting or not ready: its state is reported but does not decide
   * `Ready`. Absent means serving (a product without the notion).
   */
  serving?: boolean;
  /** Why it does not (transport failure, API error, circuit open); never a secret. */
  error?: string;
  /** What the member reports for the registration, when it answered. */
  read?: R;
  /**
   * Fields of the member's object that someone changed outside the operator (a product's own UI or
   * API) and this apply reverted, in the product's terms (e.g. `description`,
   * `associated_tools`). The pipeline reports them in a `DriftReverted` event. A target that cannot
   * tell drift from a spec change leaves it out.
   */
  drift?: string[];
}

/** A member that did not confirm a delete. */
export interface DeleteFailure {
  endpoint: string;
  error: string;
  /**
   * The member is known not to answer (refused, timed out, circuit open) rather than having
   * answered with an error. A finalizer waits for such members only up to the finalizer timeout,
   * then lets the resource go with a `RegistrationLeftBehind` event.
   */
  unreachable?: boolean;
}

/** One member's registrations as `observe()` found them. */
export interface MemberState {
  endpoint: string;
  /** Spec hash per registration id, by kind; absent when the member did not answer (`error`). */
  held?: Record<RegistrationKind, Record<string, string>>;
  /** The member's own digest of what it holds (`stateDigest`), when it computes one. */
  digest?: string;
  /** The member serves agents (proxy `/ready`); absent when the product has no such notion. */
  ready?: boolean;
  /**
   * Ids of the gateway registrations whose upstream the member checked and cannot reach now;
   * absent when the product does not report it. The pipeline re-queues a gateway whose id enters or
   * leaves this list, so its `Reachable` condition follows an outage within a poll interval.
   */
  unreachable?: string[];
  error?: string;
}

/** The port. See the module comment for the contract. */
export interface ReconcileTarget {
  /** Product name for logs and metrics, e.g. `mcp-gitops-proxy`. */
  readonly name: string;
  /**
   * What one member is called in status messages and events, singular, so they speak of what the
   * user runs: `proxy replica` (the default when absent), `ContextForge instance`. Plural: + "s".
   */
  readonly memberNoun?: string;
  /** Current member endpoints, sorted. */
  members(): string[];
  apply<K extends RegistrationKind>(kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>[]>;
  delete(kind: RegistrationKind, id: string, options?: { onlyNamespace?: string }): Promise<DeleteFailure[]>;
  observe(): Promise<MemberState[]>;
  confirmConverged?(endpoint: string, digest: string): Promise<boolean>;
  onMembersChanged(listener: () => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
