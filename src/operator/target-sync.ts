/**
 * Target-level convergence, the part of reconciling that is about a target's members rather than
 * one resource:
 *
 * - remembers the desired spec hash of every registration the pipeline computed;
 * - observes every target (every `pollIntervalMs`, and at once when a member set changes): a
 *   registration whose hash differs or is missing on a member (a restarted replica holds nothing)
 *   re-queues its resource, so a member is re-converged within seconds with no change to resources;
 * - deletes registrations no resource corresponds to any more (garbage left by a resource deleted
 *   while the operator was down without its finalizer), once the caches are synced;
 * - tells a member it is converged (`confirmConverged`) when its digest equals the digest of the
 *   desired set, so a new proxy replica turns ready only after its first full sync;
 * - re-queues a gateway whose upstream a member reports newly unreachable or reachable again
 *   (`MemberState.unreachable`), so `Reachable`/`Ready` follow an outage within a poll interval
 *   instead of the gateway's health-check requeue (30 s by default).
 */
import { stateDigest, type DigestEntry } from '../contract/digest.ts';
import type { MemberState, ReconcileTarget, RegistrationKind } from '../reconcile/target.ts';
import type { Logger } from './logger.ts';

interface DesiredEntry {
  hash: string;
  /** The work-queue key of the resource it comes from. */
  key: string;
}

export interface TargetSyncOptions {
  targets: ReconcileTarget[];
  /** Re-queues a resource by its work-queue key. */
  enqueue: (key: string) => void;
  /** Re-queues every resource (a member appeared, went down or came back). */
  enqueueAll: () => void;
  /** True when a registration id still corresponds to a cached resource (it is not garbage). Called only when `settled()`. */
  isKnown: (kind: RegistrationKind, id: string) => boolean;
  /** True once the caches are synced and every cached resource was reconciled at least once. */
  settled: () => boolean;
  /** Only registrations in this namespace are garbage-collected. Undefined = all namespaces. */
  namespace?: string;
  /** Defaults to 5000 ms. */
  pollIntervalMs?: number;
  log?: Logger;
}

const KINDS: readonly RegistrationKind[] = ['gateway', 'server'];

export class TargetSync {
  readonly #o: TargetSyncOptions;
  /** Per kind, registration id → desired hash and the resource's queue key. */
  readonly #desired: Record<RegistrationKind, Map<string, DesiredEntry>> = { gateway: new Map(), server: new Map() };
  /** Members that answered the last poll; a change in either direction re-queues everything. */
  readonly #healthy = new Map<string, boolean>();
  /** Per member, the gateway ids it reported unreachable at its last answer (only reporting members). */
  readonly #unreachable = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #again = false;
  #running = false;

  constructor(options: TargetSyncOptions) {
    this.#o = options;
    for (const t of options.targets) {
      t.onMembersChanged(() => {
        const members = new Set(this.#o.targets.flatMap((x) => x.members()));
        for (const endpoint of this.#unreachable.keys()) if (!members.has(endpoint)) this.#unreachable.delete(endpoint);
        this.#o.enqueueAll();
        this.poke();
      });
    }
  }

  /** Records the desired hash of a registration (after desired() succeeded). */
  setDesired(kind: RegistrationKind, id: string, hash: string, key: string): void {
    const have = this.#desired[kind].get(id);
    // Unchanged (every resync): keep the entry the heap already holds rather than a new copy of it.
    if (have?.hash === hash && have.key === key) return;
    this.#desired[kind].set(id, { hash, key });
  }

  /** Forgets a registration (its resource is gone). */
  removeDesired(kind: RegistrationKind, id: string): void {
    this.#desired[kind].delete(id);
  }

  desiredHash(kind: RegistrationKind, id: string): string | undefined {
    return this.#desired[kind].get(id)?.hash;
  }

  /** The state digest a converged member reports. */
  desiredDigest(): string {
    const entries: DigestEntry[] = [];
    for (const kind of KINDS) for (const [id, e] of this.#desired[kind]) entries.push({ kind, id, specHash: e.hash });
    return stateDigest(entries);
  }

  start(): void {
    this.#running = true;
    const interval = this.#o.pollIntervalMs ?? 5_000;
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        this.poke();
        tick();
      }, interval);
      this.#timer.unref();
    };
    tick();
    this.poke();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#polling;
  }

  /** Observes every target now (coalesced with a poll in flight). */
  poke(): void {
    if (!this.#running) return;
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = this.pollOnce()
      .catch((err: unknown) => this.#o.log?.('warn', 'target poll failed', { error: (err as Error).message }))
      .finally(() => {
        this.#polling = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** One observation of every target. Exposed for tests. */
  async pollOnce(): Promise<void> {
    await Promise.all(
      this.#o.targets.map(async (t) => {
        const states = await t.observe();
        await Promise.all(states.map((s) => this.#converge(t, s)));
      }),
    );
  }

  /** Whether the member answered; logs and re-queues everything when that changed. */
  #noteHealth(state: MemberState): boolean {
    const answered = state.held !== undefined;
    const before = this.#healthy.get(state.endpoint);
    if (before !== answered && (before !== undefined || !answered)) {
      if (answered) this.#o.log?.('info', 'target member answers again', { member: state.endpoint });
      else this.#o.log?.('warn', 'target member does not answer', { member: state.endpoint, error: state.error });
      this.#o.enqueueAll();
    }
    this.#healthy.set(state.endpoint, answered);
    return answered;
  }

  /**
   * Re-queues the gateways whose id entered or left the member's unreachable list since its last
   * answer. The first answer only records (every resource is reconciled on start anyway).
   */
  #noteReachability(state: MemberState): void {
    if (state.unreachable === undefined) return;
    const now = new Set(state.unreachable);
    const before = this.#unreachable.get(state.endpoint);
    this.#unreachable.set(state.endpoint, now);
    if (!before) return;
    const requeue = (id: string, reachable: boolean): void => {
      const key = this.#desired.gateway.get(id)?.key;
      if (!key) return;
      this.#o.log?.('info', reachable ? 'upstream reachable again on a target member' : 'upstream unreachable on a target member', { member: state.endpoint, gateway: key });
      this.#o.enqueue(key);
    };
    for (const id of now) if (!before.has(id)) requeue(id, false);
    for (const id of before) if (!now.has(id)) requeue(id, true);
  }

  async #converge(target: ReconcileTarget, state: MemberState): Promise<void> {
    if (!this.#noteHealth(state) || !state.held) return;
    this.#noteReachability(state);
    let behind = 0;
    for (const kind of KINDS) {
      const held = state.held[kind];
      for (const [id, e] of this.#desired[kind]) {
        if (held[id] !== e.hash) {
          behind++;
          this.#o.enqueue(e.key);
        }
      }
    }
    if (!this.#o.settled()) return;
    const orphans = await this.#collect(target, state);
    if (behind === 0 && orphans === 0 && state.ready === false && target.confirmConverged) {
      const digest = this.desiredDigest();
      if (digest === state.digest && (await target.confirmConverged(state.endpoint, digest))) {
        this.#o.log?.('info', 'target member converged and marked synced', { member: state.endpoint, digest });
      }
    }
  }

  /** Deletes what `state` holds that no resource corresponds to; resolves how many it found. */
  async #collect(target: ReconcileTarget, state: MemberState): Promise<number> {
    let orphans = 0;
    for (const kind of ['server', 'gateway'] as const) {
      for (const id of Object.keys(state.held?.[kind] ?? {})) {
        if (this.#desired[kind].has(id) || this.#o.isKnown(kind, id)) continue;
        orphans++;
        const failures = await target.delete(kind, id, this.#o.namespace !== undefined ? { onlyNamespace: this.#o.namespace } : {});
        if (failures.length === 0) this.#o.log?.('info', 'deleted a registration no resource corresponds to', { target: target.name, kind, id });
        else this.#o.log?.('warn', 'could not delete an orphaned registration', { target: target.name, kind, id, failures });
      }
    }
    return orphans;
  }
}
