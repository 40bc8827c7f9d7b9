/**
 * The reconcile target of the mcp-gitops proxy: every replica the `ReplicaSource` lists (the proxy
 * Service's EndpointSlices, or `--proxy-url`), reached through its admin API (docs/admin-api.md).
 * Implements the port in `src/reconcile/target.ts`.
 *
 * It remembers the spec hash each replica held at its last `observe()` plus its own writes since,
 * so `apply` can write at once when the hash is known to differ and skip the read; that memory is a
 * hint to skip a read, never a reason to skip a write.
 *
 * Every call to a replica goes through that replica's `ReplicaGuard` (bounded concurrency and
 * queue, circuit breaker): a hung replica costs a reconcile at most one request timeout until its
 * circuit opens, then nothing — its observations say at once that it does not answer, and deletes
 * report it `unreachable` so a finalizer stops waiting for it after the finalizer timeout.
 */
import { AdminApiError } from '../../contract/client.ts';
import type { GatewayRead, ServerRead, StateRead } from '../../contract/wire.ts';
import type { DesiredRegistration } from '../../reconcile/desired.ts';
import { shortError } from '../../reconcile/errors.ts';
import type { BodyOf, DeleteFailure, MemberObservation, MemberState, ObservedOf, ReconcileTarget, RegistrationKind } from '../../reconcile/target.ts';
import type { ProxyReplica, ReplicaSource } from '../replicas.ts';
import { ReplicaGuard, ReplicaUnavailableError, type ReplicaGuardOptions } from './replica-guard.ts';

export interface ProxyReplicasTargetOptions {
  replicas: ReplicaSource;
  /** Counts admin writes (verb, resource). */
  onWrite?: (verb: 'PUT' | 'DELETE' | 'POST', resource: string) => void;
  /** A replica stopped answering (`up` false, with the last error) or answers again. */
  onMemberHealth?: (endpoint: string, up: boolean, lastError: string) => void;
  /** Per-replica isolation settings (replica-guard.ts). */
  guard?: Omit<ReplicaGuardOptions, 'isUnanswered' | 'onStateChange'>;
}

/** The replica gave no answer (transport failure, timeout), as opposed to an HTTP error. */
function unanswered(err: unknown): boolean {
  return err instanceof AdminApiError && err.status === 0;
}

/**
 * What a replica holds, per kind: registration id → the first 28 bits of its spec hash. A hint only
 * (see the class comment): equal prefixes of different hashes (2^-28) cost one read, never a missed
 * write, and a small integer per entry is stored inline where the 64-character hash took 80 bytes.
 */
type Held = Record<RegistrationKind, Map<string, number>>;

const hashPrefix = (hash: string): number => parseInt(hash.slice(0, 7), 16);

/**
 * `held` brought up to `now` (a replica's answer), in place: entries that did not change keep the
 * id strings the heap already holds, so a poll of 20,000 unchanged registrations leaves nothing
 * behind but its own short-lived answer.
 */
function refreshed(held: Map<string, number> | undefined, now: Record<string, string>): Map<string, number> {
  if (!held) return new Map(Object.entries(now).map(([id, hash]) => [id, hashPrefix(hash)]));
  for (const id of held.keys()) if (!Object.hasOwn(now, id)) held.delete(id);
  for (const [id, hash] of Object.entries(now)) {
    const prefix = hashPrefix(hash);
    if (held.get(id) !== prefix) held.set(id, prefix);
  }
  return held;
}

export class ProxyReplicasTarget implements ReconcileTarget {
  readonly name = 'mcp-gitops-proxy';
  readonly memberNoun = 'proxy replica';
  readonly #o: ProxyReplicasTargetOptions;
  /** What each replica held at its last observe, updated by our own writes since. */
  readonly #held = new Map<string, Held>();
  readonly #guards = new Map<string, ReplicaGuard>();

  constructor(options: ProxyReplicasTargetOptions) {
    this.#o = options;
    options.replicas.onChange(() => this.#dropGone());
  }

  /** The guard of `endpoint`, made on first use. */
  #guard(endpoint: string): ReplicaGuard {
    let g = this.#guards.get(endpoint);
    if (!g) {
      g = new ReplicaGuard({ ...this.#o.guard, isUnanswered: unanswered, onStateChange: (open, lastError) => this.#o.onMemberHealth?.(endpoint, !open, lastError) });
      this.#guards.set(endpoint, g);
    }
    return g;
  }

  #dropGone(): void {
    const now = new Set(this.members());
    for (const ep of this.#guards.keys()) if (!now.has(ep)) this.#guards.delete(ep);
    for (const ep of this.#held.keys()) if (!now.has(ep)) this.#held.delete(ep);
  }

  /** Endpoints whose circuit is open (known not to answer). */
  unreachable(): string[] {
    return [...this.#guards].filter(([, g]) => g.open).map(([ep]) => ep);
  }

  members(): string[] {
    return this.#o.replicas.list().map((r) => r.endpoint);
  }

  apply<K extends RegistrationKind>(kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>[]> {
    return Promise.all(this.#o.replicas.list().map((r) => this.#applyOne(r, kind, desired)));
  }

  async #applyOne<K extends RegistrationKind>(replica: ProxyReplica, kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>> {
    const endpoint = replica.endpoint;
    const serving = replica.ready !== false;
    try {
      const held = this.#held.get(endpoint);
      const knownToDiffer = held !== undefined && held[kind].get(desired.id) !== hashPrefix(desired.hash);
      const guard = this.#guard(endpoint);
      let read = knownToDiffer ? undefined : await guard.run(() => this.#get(replica, kind, desired.id));
      if (!read || read.specHash !== desired.hash) {
        this.#o.onWrite?.('PUT', kind);
        read = await guard.run(() => this.#put(replica, kind, desired.id, desired.body));
        this.#note(endpoint, kind, desired.id, read.specHash);
      }
      const observed = read as unknown as ObservedOf[K];
      if (read.specHash === desired.hash) return { endpoint, serving, synced: true, read: observed };
      return { endpoint, serving, synced: false, read: observed, error: 'the replica holds another spec (concurrent writer?)' };
    } catch (err) {
      return { endpoint, serving, synced: false, error: shortError(err) };
    }
  }

  #get(replica: ProxyReplica, kind: RegistrationKind, id: string): Promise<GatewayRead | ServerRead | undefined> {
    return kind === 'gateway' ? replica.admin.getGateway(id) : replica.admin.getServer(id);
  }

  #put(replica: ProxyReplica, kind: RegistrationKind, id: string, body: unknown): Promise<GatewayRead | ServerRead> {
    return kind === 'gateway' ? replica.admin.putGateway(id, body as BodyOf['gateway']) : replica.admin.putServer(id, body as BodyOf['server']);
  }

  async delete(kind: RegistrationKind, id: string, options: { onlyNamespace?: string } = {}): Promise<DeleteFailure[]> {
    const failures = await Promise.all(
      this.#o.replicas.list().map(async (r): Promise<DeleteFailure | undefined> => {
        const guard = this.#guard(r.endpoint);
        try {
          if (options.onlyNamespace !== undefined) {
            const read = await guard.run(() => this.#get(r, kind, id));
            if (!read || read.namespace !== options.onlyNamespace) return undefined;
          }
          this.#o.onWrite?.('DELETE', kind);
          await guard.run(() => (kind === 'gateway' ? r.admin.deleteGateway(id) : r.admin.deleteServer(id)));
          this.#note(r.endpoint, kind, id, undefined);
          return undefined;
        } catch (err) {
          return { endpoint: r.endpoint, error: shortError(err), unreachable: err instanceof ReplicaUnavailableError || unanswered(err) };
        }
      }),
    );
    return failures.filter((f): f is DeleteFailure => f !== undefined);
  }

  observe(): Promise<MemberState[]> {
    return Promise.all(this.#o.replicas.list().map((r) => this.#observeOne(r)));
  }

  async #observeOne(replica: ProxyReplica): Promise<MemberState> {
    let state: StateRead;
    try {
      state = await this.#guard(replica.endpoint).probe(() => replica.admin.getState());
    } catch (err) {
      this.#held.delete(replica.endpoint);
      return { endpoint: replica.endpoint, error: shortError(err) };
    }
    const held = this.#held.get(replica.endpoint);
    this.#held.set(replica.endpoint, { gateway: refreshed(held?.gateway, state.gateways), server: refreshed(held?.server, state.servers) });
    return { endpoint: replica.endpoint, held: { gateway: state.gateways, server: state.servers }, digest: state.digest, ready: state.ready, ...(state.unreachable ? { unreachable: state.unreachable } : {}) };
  }

  async confirmConverged(endpoint: string, digest: string): Promise<boolean> {
    const replica = this.#o.replicas.list().find((r) => r.endpoint === endpoint);
    if (!replica) return false;
    this.#o.onWrite?.('POST', 'state');
    const r = await this.#guard(endpoint)
      .run(() => replica.admin.markSynced(digest))
      .catch(() => undefined); // not confirmed now: the next observe tries again
    return r?.synced ?? false;
  }

  onMembersChanged(listener: () => void): void {
    this.#o.replicas.onChange(listener);
  }

  start(): Promise<void> {
    return this.#o.replicas.start();
  }

  stop(): Promise<void> {
    return this.#o.replicas.stop();
  }

  /** Records a write this process made (`undefined` = deleted), when the replica's state is known. */
  #note(endpoint: string, kind: RegistrationKind, id: string, hash: string | undefined): void {
    const held = this.#held.get(endpoint);
    if (!held) return;
    if (hash === undefined) held[kind].delete(id);
    else held[kind].set(id, hashPrefix(hash));
  }
}
