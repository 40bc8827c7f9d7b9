/**
 * The steps both reconcilers share: keep the finalizer on, remove a registration from every
 * replica when the resource goes (bounded retry, then let it go with a Warning event), write status
 * only when it changed, and tell the user about Ready transitions with an Event.
 */
import type { Condition } from '../api/conditions.ts';
import type { Kind } from '../api/names.ts';
import { statusEqual } from '../reconcile/status.ts';
import type { ReconcileContext } from './context.ts';
import { countStatusWrite } from './metrics.ts';
import { eventTarget, removeFinalizer, writeStatus } from './objects.ts';
import type { RawResource } from './objects.ts';
import type { DesiredRegistration } from '../reconcile/desired.ts';
import type { BodyOf, MemberObservation, ObservedOf, RegistrationKind } from '../reconcile/target.ts';

/** Applies `desired` on every target; one observation per member of each (never rejects for a member). */
export async function converge<K extends RegistrationKind>(ctx: ReconcileContext, kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>[]> {
  return (await Promise.all(ctx.targets.map((t) => t.apply(kind, desired)))).flat();
}

/**
 * Deletes registration `id` from every member of every target. Resolves with the members that
 * failed, as `endpoint: error` strings (empty when all succeeded; a 404 counts as done).
 */
export async function removeEverywhere(ctx: ReconcileContext, kind: RegistrationKind, id: string): Promise<string[]> {
  const failures = (await Promise.all(ctx.targets.map((t) => t.delete(kind, id)))).flat();
  return failures.map((f) => `${f.endpoint}: ${f.error}`);
}

/**
 * Handles a resource being deleted: removes its registration from every replica, then the
 * finalizer. While a replica cannot be reached it throws (the queue retries with backoff) until
 * `finalizerTimeoutMs` passed since the first failure; then it removes the finalizer anyway and
 * records a Warning naming what was left behind (TargetSync deletes it once the replica is back).
 */
export async function finalize(ctx: ReconcileContext, kind: Kind, regKind: RegistrationKind, id: string, key: string, obj: RawResource): Promise<void> {
  const failures = await removeEverywhere(ctx, regKind, id);
  if (failures.length > 0) {
    const since = ctx.finalizingSince.get(key) ?? Date.now();
    ctx.finalizingSince.set(key, since);
    if (Date.now() - since < ctx.finalizerTimeoutMs) {
      throw new Error(`removing ${regKind} ${id} from proxy replicas failed: ${failures.join('; ')}`);
    }
    ctx.events.record(
      eventTarget(kind, obj),
      'Warning',
      'RegistrationLeftBehind',
      `could not remove ${regKind} ${id} from ${failures.length} proxy replica(s) within ${Math.round(ctx.finalizerTimeoutMs / 1000)}s; removed the finalizer anyway. Left behind on: ${failures.join('; ')}. It is deleted when the replica answers again.`,
    );
  } else {
    ctx.events.record(eventTarget(kind, obj), 'Normal', 'Deregistered', `removed ${regKind} ${id} from ${ctx.targets.reduce((n, t) => n + t.members().length, 0)} proxy replica(s)`);
  }
  await removeFinalizer(ctx.client, kind, obj);
  ctx.finalizingSince.delete(key);
  ctx.sync.removeDesired(regKind, id);
  ctx.settled.delete(key);
}

/** Writes `next` as the status when it differs from the stored one; records an Event when Ready changed. */
export async function updateStatus(ctx: ReconcileContext, kind: Kind, obj: RawResource, next: { conditions?: Condition[] }): Promise<boolean> {
  if (statusEqual(obj.status ?? {}, next)) return false;
  countStatusWrite(ctx.metrics, kind);
  await writeStatus(ctx.client, kind, obj, next);
  const before = (obj.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
  const after = next.conditions?.find((c) => c.type === 'Ready');
  if (after && (before?.status !== after.status || before?.reason !== after.reason)) {
    ctx.events.record(eventTarget(kind, obj), after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
  }
  return true;
}
