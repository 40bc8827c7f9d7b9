/**
 * Status policy: pure functions from (resource, what the replicas were observed to hold) to the
 * status object, per DESIGN.md "Status" and kstatus. No clock of their own (`now` is a parameter)
 * and no field that changes when nothing changed, so a reconcile that changes nothing computes a
 * status deep-equal to the stored one and writes nothing.
 *
 * Shared by the operator and `mcp-gitops dev`.
 */
import { ConditionType, Reason, removeCondition, setCondition } from '../api/conditions.ts';
import type { Condition, ConditionInput } from '../api/conditions.ts';
import type { ReconcileError } from './errors.ts';
import type { ConflictObserved, GatewayObserved, MemberObservation, ServerObserved } from './target.ts';
import type { McpGateway, McpGatewayStatus, ReplicaStatus, VirtualServer, VirtualServerStatus } from './resources.ts';

/** What one member of a reconcile target (a proxy replica) was seen to hold for one resource after apply. */
export type ReplicaObservation<R> = MemberObservation<R>;

export interface GatewayObservation {
  /** Set when the desired body could not be computed (missing Secret, …): the resource is Stalled. */
  desiredError?: ReconcileError;
  replicas: ReplicaObservation<GatewayObserved>[];
  /** What a member of the target is called in messages (`memberNounOf`); default `proxy replica`. */
  memberNoun?: string;
}

const DEFAULT_MEMBER_NOUN = 'proxy replica';

/** The member noun messages use for `targets`: theirs when they agree, else a neutral one. */
export function memberNounOf(targets: readonly { memberNoun?: string }[]): string {
  const nouns = new Set(targets.map((t) => t.memberNoun ?? DEFAULT_MEMBER_NOUN));
  return nouns.size === 1 ? [...nouns][0]! : 'target member';
}

/** A referenced gateway as the VirtualServer reconciler found it. */
export interface GatewayDependency {
  name: string;
  exists: boolean;
  ready: boolean;
  /** OAuth authorization-code gateway no user has consented to yet: no tools until someone does. */
  consentPending: boolean;
  /** The gateway's Ready message, when not ready. */
  message?: string;
}

export interface ServerObservation {
  desiredError?: ReconcileError;
  replicas: ReplicaObservation<ServerObserved>[];
  /** As `GatewayObservation.memberNoun`. */
  memberNoun?: string;
  gateways: GatewayDependency[];
  /** Public base URL of the proxy (`https://mcp.example.com`); the endpoint in status is relative without it. */
  endpointBase?: string;
}

/** Cap on `status.unmatched` / `status.conflicts` (the CRD's maxItems). */
export const MAX_STATUS_LIST = 256;

/**
 * The McpGateway status for `obs`.
 *
 * Ready=True when every replica holds the current spec and the upstream is reachable (or, for an
 * OAuth authorization-code gateway, when it is registered and waits for the first consent).
 */
export function gatewayStatus(gw: McpGateway, obs: GatewayObservation, now: Date): McpGatewayStatus {
  const generation = gw.metadata.generation;
  const noun = obs.memberNoun ?? DEFAULT_MEMBER_NOUN;
  const prev = gw.status ?? {};
  let conditions: Condition[] = [...((prev.conditions ?? []) as Condition[])];
  const set = (c: ConditionInput): void => {
    conditions = setCondition(conditions, c, generation, now);
  };
  const status: McpGatewayStatus = { observedGeneration: generation };

  if (obs.desiredError) {
    return stalled(status, conditions, obs.desiredError, generation, now);
  }
  conditions = removeCondition(conditions, ConditionType.Stalled);
  status.replicas = replicaStatuses(obs.replicas);
  set(replicasSynced(obs.replicas, noun));
  const reads = servingReads(obs.replicas);
  const first = reads[0];
  if (first) {
    status.toolCount = Math.max(...reads.map((r) => r.toolCount));
    // A replica of an older proxy does not report these yet: counted as 0.
    status.resourceCount = Math.max(...reads.map((r) => r.resourceCount ?? 0));
    status.resourceTemplateCount = Math.max(...reads.map((r) => r.resourceTemplateCount ?? 0));
    status.promptCount = Math.max(...reads.map((r) => r.promptCount ?? 0));
    status.authorizedUsers = Math.max(...reads.map((r) => r.authorizedUsers));
  }

  const sync = syncSummary(obs.replicas, noun);
  const authType = gw.spec.auth?.type ?? 'None';
  const consentFlow = authType === 'OAuth' && (gw.spec.auth?.oauth?.grantType ?? 'AuthorizationCode') === 'AuthorizationCode';
  const authorizedUsers = status.authorizedUsers ?? 0;

  // Domain conditions from what the replicas observe of the upstream.
  if (reads.length > 0) {
    const unreachable = reads.find((r) => !r.reachable && r.lastCheck !== null);
    // A replica that has not checked yet (just joined) does not make a checked upstream unknown.
    const unchecked = reads.every((r) => r.lastCheck === null && !r.reachable);
    if (unreachable) set({ type: ConditionType.Reachable, status: 'False', reason: Reason.Unreachable, message: unreachable.lastError ?? 'the upstream does not answer' });
    else if (unchecked) set({ type: ConditionType.Reachable, status: 'Unknown', reason: Reason.Progressing, message: 'waiting for the first health check' });
    else set({ type: ConditionType.Reachable, status: 'True', reason: Reason.Succeeded, message: 'the upstream answers' });

    const rejected = reads.find((r) => r.lastError !== null && /\b(401|403)\b|unauthori[sz]ed|forbidden/i.test(r.lastError));
    if (authType === 'None') set({ type: ConditionType.Authorized, status: 'True', reason: Reason.Succeeded, message: 'no credentials required' });
    else if (consentFlow) {
      if (authorizedUsers > 0) set({ type: ConditionType.Authorized, status: 'True', reason: Reason.Succeeded, message: `${authorizedUsers} user${authorizedUsers === 1 ? ' has' : 's have'} consented` });
      else {
        // The proxy says why no stored consent is usable (e.g. users must reconnect after a retarget).
        const reconnect = reads.find((r) => r.lastError !== null && /must reconnect/.test(r.lastError))?.lastError;
        set({ type: ConditionType.Authorized, status: 'False', reason: Reason.ConsentRequired, message: reconnect ?? 'no user has consented yet; tools are discovered after the first consent' });
      }
    } else if (rejected) set({ type: ConditionType.Authorized, status: 'False', reason: Reason.Unauthorized, message: rejected.lastError ?? 'credentials rejected' });
    else if (!unreachable && !unchecked) set({ type: ConditionType.Authorized, status: 'True', reason: Reason.Succeeded, message: 'credentials accepted' });
    else set({ type: ConditionType.Authorized, status: 'Unknown', reason: Reason.Progressing, message: 'not checked yet' });

    const tools = status.toolCount ?? 0;
    if (tools > 0) set({ type: ConditionType.ToolsDiscovered, status: 'True', reason: Reason.Succeeded, message: `${tools} tool${tools === 1 ? '' : 's'} discovered` });
    else if (consentFlow && authorizedUsers === 0) set({ type: ConditionType.ToolsDiscovered, status: 'False', reason: Reason.ConsentRequired, message: 'tools are discovered after the first user consents' });
    else if (!unreachable && !unchecked) set({ type: ConditionType.ToolsDiscovered, status: 'False', reason: Reason.NoTools, message: 'the upstream lists no tools' });
    else set({ type: ConditionType.ToolsDiscovered, status: 'Unknown', reason: Reason.Progressing, message: 'waiting for the upstream' });
  }

  const reachable = conditions.find((c) => c.type === ConditionType.Reachable);
  if (!sync.ok) {
    set({ type: ConditionType.Ready, status: 'False', reason: sync.reason, message: sync.message });
    set({ type: ConditionType.Reconciling, status: 'True', reason: sync.reason, message: sync.message });
  } else if (consentFlow && authorizedUsers === 0 && reachable?.status !== 'True') {
    const message = `registered on every ready ${noun}; waiting for the first user consent`;
    set({ type: ConditionType.Ready, status: 'True', reason: Reason.ConsentRequired, message });
    conditions = removeCondition(conditions, ConditionType.Reconciling);
  } else if (reachable?.status === 'True') {
    const tools = status.toolCount ?? 0;
    set({ type: ConditionType.Ready, status: 'True', reason: Reason.Succeeded, message: `${tools} tool${tools === 1 ? '' : 's'} served by every ready ${noun}` });
    conditions = removeCondition(conditions, ConditionType.Reconciling);
  } else if (reachable?.status === 'False') {
    set({ type: ConditionType.Ready, status: 'False', reason: Reason.Unreachable, message: reachable.message });
    conditions = removeCondition(conditions, ConditionType.Reconciling);
  } else {
    set({ type: ConditionType.Ready, status: 'False', reason: Reason.Progressing, message: 'registered; waiting for the first health check of the upstream' });
    set({ type: ConditionType.Reconciling, status: 'True', reason: Reason.Progressing, message: 'waiting for the first health check of the upstream' });
  }
  status.conditions = conditions;
  return status;
}

/**
 * The VirtualServer status for `obs`.
 *
 * Ready=True when every replica holds the current spec, every referenced gateway is Ready, and every
 * selector resolved — except that a selector of a gateway still waiting for its first OAuth consent
 * does not hold Ready back (its tools appear once someone consents; ToolsResolved says so).
 */
export function serverStatus(vs: VirtualServer, obs: ServerObservation, now: Date): VirtualServerStatus {
  const generation = vs.metadata.generation;
  const noun = obs.memberNoun ?? DEFAULT_MEMBER_NOUN;
  const prev = vs.status ?? {};
  let conditions: Condition[] = [...((prev.conditions ?? []) as Condition[])];
  const set = (c: ConditionInput): void => {
    conditions = setCondition(conditions, c, generation, now);
  };
  const status: VirtualServerStatus = { observedGeneration: generation };
  if (prev.endpoint !== undefined) status.endpoint = prev.endpoint;

  if (obs.desiredError) return stalled(status, conditions, obs.desiredError, generation, now);
  conditions = removeCondition(conditions, ConditionType.Stalled);
  status.replicas = replicaStatuses(obs.replicas);
  set(replicasSynced(obs.replicas, noun));

  const missing = obs.gateways.filter((g) => !g.exists);
  const notReady = obs.gateways.filter((g) => g.exists && !g.ready);
  if (missing.length > 0) {
    set({ type: ConditionType.GatewaysReady, status: 'False', reason: Reason.GatewayNotFound, message: `McpGateway ${missing.map((g) => g.name).join(', ')} not found in namespace ${vs.metadata.namespace ?? 'default'}` });
  } else if (notReady.length > 0) {
    set({ type: ConditionType.GatewaysReady, status: 'False', reason: Reason.GatewayNotReady, message: notReady.map((g) => `${g.name}: ${g.message ?? 'not Ready'}`).join('; ') });
  } else {
    set({ type: ConditionType.GatewaysReady, status: 'True', reason: Reason.Succeeded, message: `${obs.gateways.length} gateway${obs.gateways.length === 1 ? '' : 's'} Ready` });
  }

  // The most complete answer of a serving replica: one that joined a moment ago may still be
  // discovering the gateways' tools, and must not make a served selector look unmatched.
  const read = servingReads(obs.replicas).sort((a, b) => a.unmatched.length - b.unmatched.length || b.toolCount - a.toolCount)[0];
  let toolsBlocking = false;
  if (read) {
    status.endpoint = obs.endpointBase ? `${obs.endpointBase.replace(/\/$/, '')}${read.endpoint}` : read.endpoint;
    status.toolCount = read.toolCount;
    status.resourceCount = read.resourceCount ?? 0;
    status.resourceTemplateCount = read.resourceTemplateCount ?? 0;
    status.promptCount = read.promptCount ?? 0;
    const capped = (list: ConflictObserved[] | undefined) => (list ?? []).slice(0, MAX_STATUS_LIST).map((c) => ({ name: c.name, candidates: c.candidates.slice(0, 64) }));
    if (read.unmatched.length > 0) status.unmatched = read.unmatched.slice(0, MAX_STATUS_LIST);
    if (read.conflicts.length > 0) status.conflicts = capped(read.conflicts);
    if ((read.resourceConflicts ?? []).length > 0) status.resourceConflicts = capped(read.resourceConflicts);
    if ((read.promptConflicts ?? []).length > 0) status.promptConflicts = capped(read.promptConflicts);
    const pending = obs.gateways.filter((g) => g.consentPending);
    const conflicts = [
      ...read.conflicts.map((c) => `${c.name} is served by ${c.candidates.length} tools (${c.candidates.join(', ')}); rename or exclude all but one`),
      ...(read.promptConflicts ?? []).map((c) => `prompt ${c.name} is served by ${c.candidates.length} prompts (${c.candidates.join(', ')}); rename or exclude all but one`),
      ...(read.resourceConflicts ?? []).map((c) => `resource ${c.name} is offered by ${c.candidates.length} gateways (${c.candidates.join(', ')}); exclude it from all but one`),
    ];
    if (conflicts.length > 0) {
      toolsBlocking = true;
      set({ type: ConditionType.ToolsResolved, status: 'False', reason: Reason.NameConflict, message: conflicts.join('; ') });
    } else if (read.unmatched.length > 0) {
      const message = `selectors matched no tool: ${read.unmatched.join('; ')}`;
      if (pending.length > 0) {
        set({ type: ConditionType.ToolsResolved, status: 'False', reason: Reason.ConsentRequired, message: `${message} (gateway ${pending.map((g) => g.name).join(', ')} waits for the first user consent)` });
      } else {
        toolsBlocking = true;
        set({ type: ConditionType.ToolsResolved, status: 'False', reason: Reason.SelectorsUnmatched, message });
      }
    } else {
      set({ type: ConditionType.ToolsResolved, status: 'True', reason: Reason.Succeeded, message: `${read.toolCount} tool${read.toolCount === 1 ? '' : 's'} served` });
    }
  }

  const sync = syncSummary(obs.replicas, noun);
  const gatewaysReady = conditions.find((c) => c.type === ConditionType.GatewaysReady);
  const resolved = conditions.find((c) => c.type === ConditionType.ToolsResolved);
  if (!sync.ok) {
    set({ type: ConditionType.Ready, status: 'False', reason: sync.reason, message: sync.message });
    set({ type: ConditionType.Reconciling, status: 'True', reason: sync.reason, message: sync.message });
  } else if (gatewaysReady?.status !== 'True') {
    set({ type: ConditionType.Ready, status: 'False', reason: gatewaysReady?.reason ?? Reason.DependencyNotReady, message: gatewaysReady?.message ?? 'gateways not Ready' });
    conditions = removeCondition(conditions, ConditionType.Reconciling);
  } else if (toolsBlocking && resolved) {
    set({ type: ConditionType.Ready, status: 'False', reason: resolved.reason, message: resolved.message });
    conditions = removeCondition(conditions, ConditionType.Reconciling);
  } else {
    const tools = status.toolCount ?? 0;
    set({ type: ConditionType.Ready, status: 'True', reason: Reason.Succeeded, message: `${tools} tool${tools === 1 ? '' : 's'} served by every ready ${noun} at ${status.endpoint ?? 'its endpoint'}` });
    conditions = removeCondition(conditions, ConditionType.Reconciling);
  }
  status.conditions = conditions;
  return status;
}

/**
 * Deep equality of two status objects as JSON (key order ignored): the status write policy is
 * "write only when this returns false".
 */
export function statusEqual(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
  });
}

function stalled<S extends { conditions?: Condition[] }>(status: S, conditions: Condition[], err: ReconcileError, generation: number | undefined, now: Date): S {
  let c = setCondition(conditions, { type: ConditionType.Ready, status: 'False', reason: err.reason, message: err.message }, generation, now);
  c = setCondition(c, { type: ConditionType.Stalled, status: 'True', reason: err.reason, message: err.message }, generation, now);
  c = removeCondition(c, ConditionType.Reconciling);
  status.conditions = c;
  return status;
}

interface SyncSummary {
  ok: boolean;
  total: number;
  reason: string;
  message: string;
}

/** A member serves agents unless its target says it does not (EndpointSlice `ready: false`). */
const serves = (r: ReplicaObservation<unknown>): boolean => r.serving !== false;

/**
 * What the serving members report (before any serves: what every member reports, so a first
 * install with only starting replicas still shows the upstream's state).
 */
function servingReads<R>(replicas: ReplicaObservation<R>[]): R[] {
  const live = replicas.filter((r) => serves(r) && r.read).map((r) => r.read as R);
  return live.length > 0 ? live : replicas.flatMap((r) => (r.read ? [r.read] : []));
}

/**
 * Whether the members that serve agents hold the current spec — what `Ready` is about. Members
 * that are starting or not ready (EndpointSlice) do not count: they are in `status.replicas` and in
 * `ReplicasSynced`, never in `Ready`, so a proxy rollout flips nothing.
 */
function syncSummary(replicas: ReplicaObservation<unknown>[], noun: string): SyncSummary {
  const total = replicas.length;
  if (total === 0) return { ok: false, total, reason: Reason.NoReplicas, message: `no ${noun} found to register on` };
  const live = replicas.filter(serves);
  if (live.length === 0) return { ok: false, total, reason: Reason.NoReplicas, message: `no ${noun} is ready yet (${total} starting or not ready)` };
  const behind = live.filter((r) => !r.synced);
  if (behind.length === 0) return { ok: true, total: live.length, reason: Reason.Succeeded, message: '' };
  const detail = behind.map((r) => `${r.endpoint}: ${r.error ?? 'not in sync'}`).join('; ');
  return { ok: false, total: live.length, reason: Reason.ReplicasNotSynced, message: `${live.length - behind.length}/${live.length} ready ${noun}s in sync; ${detail}` };
}

/**
 * `ReplicasSynced`: every member, serving or not, holds the current spec. Informational and
 * non-blocking (Argo CD's health check and kstatus ignore it): a replica that is starting and not
 * yet synced makes it False without touching `Ready`. Its messages carry no counts, so a healthy
 * rollout (members come and go, each synced before it serves) leaves it as it was.
 */
function replicasSynced(replicas: ReplicaObservation<unknown>[], noun: string): ConditionInput {
  if (replicas.length === 0) return { type: ConditionType.ReplicasSynced, status: 'False', reason: Reason.NoReplicas, message: `no ${noun} found to register on` };
  const behind = replicas.filter((r) => !r.synced);
  if (behind.length === 0) return { type: ConditionType.ReplicasSynced, status: 'True', reason: Reason.Succeeded, message: `every ${noun} holds the current spec` };
  const detail = behind.map((r) => `${r.endpoint}${serves(r) ? '' : ' (not ready)'}: ${r.error ?? 'not in sync'}`).join('; ');
  return { type: ConditionType.ReplicasSynced, status: 'False', reason: Reason.ReplicasNotSynced, message: `not yet on ${detail}` };
}

function replicaStatuses(replicas: ReplicaObservation<unknown>[]): ReplicaStatus[] {
  return replicas
    .map((r) => {
      const s: ReplicaStatus = { endpoint: r.endpoint, synced: r.synced, ready: serves(r) };
      if (!r.synced && r.error) s.message = r.error;
      return s;
    })
    .sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
}
