/**
 * Status conditions in the shape of metav1.Condition, and helpers in the style of fluxcd/pkg
 * `runtime/conditions`: setting a condition stamps `observedGeneration`, moves
 * `lastTransitionTime` only when the status really changes, trims the message and keeps a stable
 * order, so a reconcile that changes nothing produces an identical status and no write.
 */
import { z } from 'zod';
import { count, mapListOf, timestamp } from './fields.ts';

/** Condition types. `Ready`, `Reconciling` and `Stalled` follow kstatus; the rest are domain conditions. */
export const ConditionType = {
  /** The resource is served as specified (summary condition; `kubectl wait --for=condition=Ready`). */
  Ready: 'Ready',
  /** kstatus abnormal-true: the operator is working towards the desired state. */
  Reconciling: 'Reconciling',
  /** kstatus abnormal-true: progress is blocked until something outside the operator changes. */
  Stalled: 'Stalled',
  /** McpGateway: the upstream answers MCP requests. */
  Reachable: 'Reachable',
  /** McpGateway: static credentials work, or at least one user has consented (OAuth). */
  Authorized: 'Authorized',
  /** McpGateway: the upstream's tool list was fetched. */
  ToolsDiscovered: 'ToolsDiscovered',
  /** VirtualServer: every selector matched a tool and no exposed name conflicts. */
  ToolsResolved: 'ToolsResolved',
  /** VirtualServer: every referenced McpGateway exists and is Ready. */
  GatewaysReady: 'GatewaysReady',
  /**
   * Both kinds, informational: every proxy replica — ready, starting or not ready — holds the
   * current spec. Never holds `Ready` back (that is about the replicas that serve).
   */
  ReplicasSynced: 'ReplicasSynced',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons: CamelCase, stable, meant for machines; the message is for people. */
export const Reason = {
  Succeeded: 'Succeeded',
  Progressing: 'Progressing',
  ReconciliationFailed: 'ReconciliationFailed',
  InvalidSpec: 'InvalidSpec',
  SecretNotFound: 'SecretNotFound',
  PolicyDenied: 'PolicyDenied',
  Unreachable: 'Unreachable',
  UpstreamError: 'UpstreamError',
  Unauthorized: 'Unauthorized',
  ConsentRequired: 'ConsentRequired',
  NoTools: 'NoTools',
  SelectorsUnmatched: 'SelectorsUnmatched',
  NameConflict: 'NameConflict',
  GatewayNotFound: 'GatewayNotFound',
  GatewayNotReady: 'GatewayNotReady',
  NoReplicas: 'NoReplicas',
  ReplicasNotSynced: 'ReplicasNotSynced',
  DependencyNotReady: 'DependencyNotReady',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** `True`, `False` or `Unknown`. */
export const ConditionStatus = z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.');
export type ConditionStatus = z.infer<typeof ConditionStatus>;

/** Messages longer than this are trimmed by {@link setCondition}. */
export const MAX_MESSAGE_LENGTH = 1024;

/** One condition, the shape of metav1.Condition. */
export const Condition = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/, 'must be a CamelCase condition type')
      .describe('Type of condition in CamelCase, e.g. Ready.'),
    status: ConditionStatus,
    observedGeneration: count('The metadata.generation this condition was set for.').optional().meta({ format: 'int64' }),
    lastTransitionTime: timestamp('When the condition last changed from one status to another.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'must be a CamelCase reason')
      .describe('Machine-readable CamelCase reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable details; never contains secrets.'),
  })
  .describe('A condition in the shape of metav1.Condition.');
export type Condition = z.infer<typeof Condition>;

/** The `status.conditions` list: keyed by `type` (`x-kubernetes-list-type: map`). */
export const Conditions = mapListOf(Condition, 'type', 32, 'Conditions: Ready, Reconciling/Stalled when they apply, and the domain conditions of the kind.');

/** What a reconciler decides; {@link setCondition} adds the bookkeeping fields. */
export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Ready first, then Reconciling and Stalled, then the rest alphabetically. */
const LEADING: readonly string[] = [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled];

function rank(type: string): number {
  const i = LEADING.indexOf(type);
  return i === -1 ? LEADING.length : i;
}

function compareConditions(a: Condition, b: Condition): number {
  return rank(a.type) - rank(b.type) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
}

function trimMessage(message: string): string {
  const m = message.trim();
  return m.length <= MAX_MESSAGE_LENGTH ? m : `${m.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

/** metav1.Time precision: whole seconds, UTC, `Z`. */
export function toMetaTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Returns a new list with `input` set. `lastTransitionTime` becomes `now` only when the condition is
 * new or its status changed; `observedGeneration` becomes `generation`; the message is trimmed to
 * {@link MAX_MESSAGE_LENGTH}; the list is sorted (Ready, Reconciling, Stalled, then by type).
 * `conditions` is not modified.
 *
 * @example
 * status.conditions = setCondition(status.conditions ?? [],
 *   { type: 'Ready', status: 'True', reason: 'Succeeded', message: '12 tools served' }, obj.metadata.generation, new Date());
 */
export function setCondition(
  conditions: readonly Condition[],
  input: ConditionInput,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const previous = conditions.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    observedGeneration: generation,
    lastTransitionTime:
      previous !== undefined && previous.status === input.status ? previous.lastTransitionTime : toMetaTime(now),
    reason: input.reason,
    message: trimMessage(input.message),
  };
  if (next.observedGeneration === undefined) delete next.observedGeneration;
  return [...conditions.filter((c) => c.type !== input.type), next].sort(compareConditions);
}

/** Returns a new list without the condition of `type` (e.g. Reconciling once done). */
export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

/** The condition of `type`, or `undefined`. */
export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** `true` when the condition of `type` exists with status `True`. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/** `true` when the condition of `type` exists with status `False`. */
export function isFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'False';
}
