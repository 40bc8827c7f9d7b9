/**
 * The one reconcile pipeline, shared by every kind (Flux's controller shape in TypeScript):
 *
 *   fetch → (gone: forget) → (deleting: finalize) → finalizer → parse → policy → desired
 *         → converge on every target → status → requeue
 *
 * A kind is a small `KindAdapter` (how to parse it, what it becomes on a target, how its status
 * reads, when to look again); this file holds everything else. Per-key state (reconciled since
 * start, finalizing since, progress attempts) lives here, in the controller, not in shared context.
 *
 * What a reconcile asks of the queue is said with typed errors (`errors.ts`): a desired state that
 * cannot be computed stalls (status says why, the watch re-queues it); members out of sync and a
 * finalizer still waiting for members are generic failures (backoff); waiting for a first health
 * check is a `WaitingError`.
 */
import type { Condition } from '../api/conditions.ts';
import type { Kind } from '../api/names.ts';
import type { DesiredRegistration } from '../reconcile/desired.ts';
import { memberNounOf } from '../reconcile/status.ts';
import { isReconcileError, type ReconcileError } from '../reconcile/errors.ts';
import type { BodyOf, MemberObservation, ObservedOf, RegistrationKind } from '../reconcile/target.ts';
import type { ReconcileTarget } from '../reconcile/target.ts';
import type { Logger } from './logger.ts';
import { StallingError, WaitingError } from './errors.ts';
import type { EventRecorder } from './events.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Informer } from './kube/informer.ts';
import { updateStatus } from './lifecycle.ts';
import type { OperatorMetrics } from './metrics.ts';
import { addFinalizer, eventTarget, hasFinalizer, removeFinalizer, type RawResource } from './objects.ts';
import type { ReconcileResult } from './queue.ts';
import type { TargetSync } from './target-sync.ts';

/** The outcome of schema validation: the typed resource, or why it is not one. */
export type Parsed<T> = { ok: true; resource: T } | { ok: false; error: ReconcileError };

/** What the pipeline computed for one resource, handed to the adapter's `status`. */
export interface Observed<T, K extends RegistrationKind> {
  obj: RawResource;
  /** The typed resource, when it passed the schema. */
  resource?: T;
  /** Why no desired state could be computed (schema, policy, Secret): the resource is Stalled. */
  desiredError?: ReconcileError;
  /** A policy-denied resource's registration could not be removed from these members (retried with backoff). */
  removal?: string[];
  replicas: MemberObservation<ObservedOf[K]>[];
  /** What a member of the targets is called in messages (`memberNounOf`). */
  memberNoun?: string;
}

/** What a resource kind brings to the pipeline. Pure apart from reading caches. */
export interface KindAdapter<T, K extends RegistrationKind> {
  readonly kind: Kind;
  /** What the kind becomes on a target. */
  readonly registration: K;
  /** The registration id of `namespace/name` (`gatewayId`/`serverId`). */
  idOf(namespace: string, name: string): string;
  parse(obj: RawResource): Parsed<T>;
  /** The registration every member must hold. @throws ReconcileError when it cannot be computed (e.g. a missing Secret). */
  desired(resource: T): DesiredRegistration<BodyOf[K]>;
  /** The status object for what was observed (src/reconcile/status.ts). */
  status(observed: Observed<T, K>, now: Date): { conditions?: Condition[] };
  /**
   * When to look again after a reconcile that failed nothing: `afterMs`, and whether the resource is
   * still progressing (first health check, first tool list), in which case the pipeline looks
   * sooner (`progressMs · 2^n`, at most 5 s and at most `afterMs`).
   */
  requeue(resource: T, status: { conditions?: Condition[] }, members: number): { afterMs: number; progressing: boolean };
  /**
   * A Warning to record when the resource is being deleted although others still depend on it (an
   * McpGateway that VirtualServers select): the delete goes ahead, the person learns what it broke.
   */
  deletionWarning?(obj: RawResource): { reason: string; message: string } | undefined;
}

/**
 * An admission policy run on every valid resource before its desired state is computed (tenant
 * guard-rails, issue 11). A returned error stalls the resource with its message and `path`; the
 * registration already on the targets stays as it was (like a broken Secret).
 */
export type ResourcePolicy = (kind: Kind, resource: unknown, obj: RawResource) => ReconcileError | undefined;

/** Shared, stateless collaborators of every controller. */
export interface PipelineDeps {
  client: KubeClient;
  targets: ReconcileTarget[];
  sync: TargetSync;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  now: () => Date;
  /** How long to retry removing registrations before removing the finalizer anyway. */
  finalizerTimeoutMs: number;
  /** First requeue delay while a resource is progressing (doubles per attempt). */
  progressMs: number;
  policies: ResourcePolicy[];
}

/** Work-queue key: `Kind/namespace/name`. */
export function queueKey(kind: Kind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseQueueKey(key: string): { kind: Kind; namespace: string; name: string } {
  const [kind, namespace, name] = key.split('/') as [Kind, string, string];
  return { kind, namespace, name };
}

export class ResourceController<T, K extends RegistrationKind> {
  readonly kind: Kind;
  readonly #a: KindAdapter<T, K>;
  readonly #d: PipelineDeps;
  readonly #cache: Informer<RawResource>;
  /** Keys reconciled at least once since start (TargetSync collects garbage only once all are). */
  readonly #settled = new Set<string>();
  /** When the first failed finalizer attempt of a key happened. */
  readonly #finalizingSince = new Map<string, number>();
  /** Progress requeues per key since it last settled. */
  readonly #progress = new Map<string, number>();
  /** What a member of the targets is called in status messages and events (`proxy replica`, `ContextForge instance`). */
  readonly #noun: string;

  constructor(adapter: KindAdapter<T, K>, cache: Informer<RawResource>, deps: PipelineDeps) {
    this.kind = adapter.kind;
    this.#a = adapter;
    this.#cache = cache;
    this.#d = deps;
    this.#noun = memberNounOf(deps.targets);
  }

  /** Every cached object of this kind was reconciled at least once since start. */
  settled(): boolean {
    if (!this.#cache.hasSynced || this.#cache.size > this.#settled.size) return false;
    return this.#cache.list().every((o) => this.#settled.has(queueKey(this.kind, o.metadata.namespace ?? 'default', o.metadata.name)));
  }

  /** The queue keys of every cached object. */
  keys(): string[] {
    return this.#cache.list().map((o) => queueKey(this.kind, o.metadata.namespace ?? 'default', o.metadata.name));
  }

  /** Whether `key`'s object has work no reconcile has done yet: a generation its status has not observed, or a deletion. */
  hasPendingWork(key: string): boolean {
    const { namespace, name } = parseQueueKey(key);
    const obj = this.#cache.get(`${namespace}/${name}`);
    if (!obj) return false;
    return obj.metadata.deletionTimestamp !== undefined || obj.status?.observedGeneration !== obj.metadata.generation;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseQueueKey(key);
    const id = this.#a.idOf(namespace, name);
    const obj = this.#cache.get(`${namespace}/${name}`);
    if (!obj) return this.#forget(key, id);
    if (obj.metadata.deletionTimestamp) return this.#finalize(key, id, obj);
    const current = hasFinalizer(obj) ? obj : await addFinalizer(this.#d.client, this.kind, obj);
    const observed = await this.#observe(key, id, current);
    const status = this.#a.status({ ...observed, memberNoun: this.#noun }, this.#d.now());
    await updateStatus(this.#d, this.kind, current, status);
    this.#settled.add(key);
    return this.#next(key, observed, status);
  }

  /** parse → policy → desired → converge on every target. */
  async #observe(key: string, id: string, obj: RawResource): Promise<Observed<T, K>> {
    const parsed = this.#a.parse(obj);
    if (!parsed.ok) return { obj, desiredError: parsed.error, replicas: [] };
    const resource = parsed.resource;
    let desired: DesiredRegistration<BodyOf[K]>;
    try {
      const denied = this.#d.policies.map((p) => p(this.kind, resource, obj)).find((e) => e !== undefined);
      if (denied) return { obj, resource, desiredError: denied, replicas: [], removal: await this.#withdraw(key, id) };
      desired = this.#a.desired(resource);
    } catch (err) {
      if (!isReconcileError(err)) throw err;
      return { obj, resource, desiredError: err, replicas: [] };
    }
    this.#d.sync.setDesired(this.#a.registration, desired.id, desired.hash, key);
    const replicas = (await Promise.all(this.#d.targets.map((t) => t.apply(this.#a.registration, desired)))).flat();
    this.#reportDrift(obj, replicas);
    return { obj, resource, replicas };
  }

  /** A Warning `DriftReverted` naming the fields a member's copy had been changed in outside the operator. */
  #reportDrift(obj: RawResource, replicas: MemberObservation<unknown>[]): void {
    for (const r of replicas) {
      if (!r.drift || r.drift.length === 0) continue;
      const message = `${r.endpoint}: reverted a change made outside the operator to ${r.drift.join(', ')}`;
      this.#d.events.record(eventTarget(this.kind, obj), 'Warning', 'DriftReverted', message);
    }
  }

  /**
   * A resource the platform's policy refuses holds no registration anywhere, not even the last good
   * one (a policy tightened after it was registered takes effect). The members that failed the
   * delete, as `endpoint: error`.
   */
  async #withdraw(key: string, id: string): Promise<string[]> {
    const kind = this.#a.registration;
    this.#d.sync.removeDesired(kind, id);
    const failures = (await Promise.all(this.#d.targets.map((t) => t.delete(kind, id)))).flat();
    return failures.map((f) => `${f.endpoint}: ${f.error}`);
  }

  /** What the queue does next: stall, back off, wait for progress, or look again later. */
  #next(key: string, observed: Observed<T, K>, status: { conditions?: Condition[] }): ReconcileResult {
    if (observed.removal && observed.removal.length > 0) throw new Error(`${key}: refused by policy, but removing it from ${this.#noun}s failed: ${observed.removal.join('; ')}`);
    if (observed.desiredError) throw new StallingError(`${key}: ${observed.desiredError.message}`);
    const failed = observed.replicas.filter((r) => !r.synced);
    if (failed.length > 0) {
      throw new Error(`${failed.length}/${observed.replicas.length} ${this.#noun}s not in sync: ${failed.map((r) => `${r.endpoint}: ${r.error ?? ''}`).join('; ')}`);
    }
    const { afterMs, progressing } = this.#a.requeue(observed.resource as T, status, observed.replicas.length);
    if (!progressing) {
      this.#progress.delete(key);
      return { requeueAfterMs: afterMs };
    }
    const n = this.#progress.get(key) ?? 0;
    this.#progress.set(key, n + 1);
    throw new WaitingError(`${key}: progressing`, Math.min(afterMs, 5_000, this.#d.progressMs * 2 ** n));
  }

  /** Gone without our finalizer (removed by hand, or deleted while no operator ran): clean up. */
  async #forget(key: string, id: string): Promise<ReconcileResult> {
    const kind = this.#a.registration;
    if (this.#d.sync.desiredHash(kind, id) !== undefined) await this.#removeEverywhere(id);
    this.#d.sync.removeDesired(kind, id);
    this.#settled.delete(key);
    this.#progress.delete(key);
    return {};
  }

  /** Removes the registration from every member of every target. */
  async #removeEverywhere(id: string): Promise<void> {
    const failures = (await Promise.all(this.#d.targets.map((t) => t.delete(this.#a.registration, id)))).flat();
    if (failures.length > 0) this.#d.log('warn', 'could not remove a registration everywhere; TargetSync collects it later', { id, failures });
  }

  /**
   * A resource being deleted: remove its registration everywhere, then the finalizer. While a member
   * cannot be reached it throws (backoff) until `finalizerTimeoutMs` passed since the first failure;
   * then it removes the finalizer anyway with a `RegistrationLeftBehind` Warning (TargetSync deletes
   * the leftover once the member answers again). When every member that failed is known not to answer
   * (circuit open, refused), it waits for exactly the rest of the timeout instead of backing off.
   */
  async #finalize(key: string, id: string, obj: RawResource): Promise<ReconcileResult> {
    if (!hasFinalizer(obj)) return {};
    const kind = this.#a.registration;
    const target = eventTarget(this.kind, obj);
    if (!this.#finalizingSince.has(key)) {
      const warning = this.#a.deletionWarning?.(obj);
      if (warning) this.#d.events.record(target, 'Warning', warning.reason, warning.message);
    }
    const failures = (await Promise.all(this.#d.targets.map((t) => t.delete(kind, id)))).flat();
    if (failures.length > 0) {
      const since = this.#finalizingSince.get(key) ?? Date.now();
      this.#finalizingSince.set(key, since);
      const left = this.#d.finalizerTimeoutMs - (Date.now() - since);
      const text = failures.map((f) => `${f.endpoint}: ${f.error}`).join('; ');
      if (left > 0) {
        const message = `removing ${kind} ${id} from ${this.#noun}s failed: ${text}`;
        // Members known not to answer will not answer sooner for being asked: wait out the timeout.
        if (failures.every((f) => f.unreachable)) throw new WaitingError(message, left);
        throw new Error(message);
      }
      const message = `could not remove ${kind} ${id} from ${failures.length} ${this.#noun}(s) within ${Math.round(this.#d.finalizerTimeoutMs / 1000)}s; removed the finalizer anyway. Left behind on: ${text}. It is deleted when the ${this.#noun} answers again.`;
      this.#d.events.record(target, 'Warning', 'RegistrationLeftBehind', message);
    } else {
      const members = this.#d.targets.reduce((n, t) => n + t.members().length, 0);
      this.#d.events.record(target, 'Normal', 'Deregistered', `removed ${kind} ${id} from ${members} ${this.#noun}(s)`);
    }
    await removeFinalizer(this.#d.client, this.kind, obj);
    this.#finalizingSince.delete(key);
    this.#d.sync.removeDesired(kind, id);
    this.#settled.delete(key);
    this.#progress.delete(key);
    return {};
  }
}
