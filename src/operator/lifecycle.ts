/**
 * The status step of the pipeline: write status only when it changed, and tell the user about
 * Ready transitions with an Event.
 */
import { Reason, type Condition } from '../api/conditions.ts';
import type { Kind } from '../api/names.ts';
import { statusEqual } from '../reconcile/status.ts';
import type { EventRecorder } from './events.ts';
import type { KubeClient } from '../kube/client.ts';
import { countStatusWrite, type OperatorMetrics } from './metrics.ts';
import { eventTarget, writeStatus } from './objects.ts';
import type { RawResource } from './objects.ts';

/**
 * Ready reasons that need a person (the same set Argo CD's health check calls Degraded) or say that
 * something is failing. Their Ready transition is a `Warning`; every other transition — progress
 * (`Progressing`, `GatewayNotReady`, waiting for consent, no replica ready yet) and recovery — is
 * `Normal`, so event-based alerting fires only on what someone must look at.
 */
const WARNING_REASONS: ReadonlySet<string> = new Set([
  Reason.InvalidSpec,
  Reason.SecretNotFound,
  Reason.PolicyDenied,
  'SecretKeyNotFound',
  Reason.Unauthorized,
  Reason.SelectorsUnmatched,
  Reason.NameConflict,
  Reason.GatewayNotFound,
  Reason.Unreachable,
  Reason.UpstreamError,
  Reason.ReconciliationFailed,
  Reason.ReplicasNotSynced,
]);

export function eventTypeOf(ready: Condition): 'Normal' | 'Warning' {
  return ready.status !== 'True' && WARNING_REASONS.has(ready.reason) ? 'Warning' : 'Normal';
}

/** Writes `next` as the status when it differs from the stored one; records an Event when Ready changed. */
export async function updateStatus(deps: { client: KubeClient; metrics: OperatorMetrics; events: EventRecorder }, kind: Kind, obj: RawResource, next: { conditions?: Condition[] }): Promise<boolean> {
  const stored = obj.status ?? {}; // decoded on each read from the cache (objects.ts): once here
  if (statusEqual(stored, next)) return false;
  countStatusWrite(deps.metrics, kind);
  await writeStatus(deps.client, kind, obj, stored, next);
  const before = (stored.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
  const after = next.conditions?.find((c) => c.type === 'Ready');
  if (after && (before?.status !== after.status || before?.reason !== after.reason)) {
    deps.events.record(eventTarget(kind, obj), eventTypeOf(after), after.reason, after.message);
  }
  return true;
}
