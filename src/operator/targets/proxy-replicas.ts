/**
 * The reconcile target of the mcp-gitops proxy: every replica the `ReplicaSource` lists (the proxy
 * Service's EndpointSlices, or `--proxy-url`), reached through its admin API (docs/admin-api.md).
 * Implements the port in `src/reconcile/target.ts`.
 *
 * It remembers the spec hash each replica held at its last `observe()` plus its own writes since,
 * so `apply` can write at once when the hash is known to differ and skip the read; that memory is a
 * hint to skip a read, never a reason to skip a write.
 */
import type { StateRead } from '../../contract/wire.ts';
import type { DesiredRegistration } from '../../reconcile/desired.ts';
import { shortError } from '../../reconcile/errors.ts';
import type { BodyOf, DeleteFailure, MemberObservation, MemberState, ObservedOf, ReconcileTarget, RegistrationKind } from '../../reconcile/target.ts';
import type { ProxyReplica, ReplicaSource } from '../replicas.ts';

export interface ProxyReplicasTargetOptions {
  replicas: ReplicaSource;
  /** Counts admin writes (verb, resource). */
  onWrite?: (verb: 'PUT' | 'DELETE' | 'POST', resource: string) => void;
}

type Held = Record<RegistrationKind, Map<string, string>>;

export class ProxyReplicasTarget implements ReconcileTarget {
  readonly name = 'mcp-gitops-proxy';
  readonly #o: ProxyReplicasTargetOptions;
  /** What each replica held at its last observe, updated by our own writes since. */
  readonly #held = new Map<string, Held>();

  constructor(options: ProxyReplicasTargetOptions) {
    this.#o = options;
  }

  members(): string[] {
    return this.#o.replicas.list().map((r) => r.endpoint);
  }

  apply<K extends RegistrationKind>(kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>[]> {
    return Promise.all(this.#o.replicas.list().map((r) => this.#applyOne(r, kind, desired)));
  }

  async #applyOne<K extends RegistrationKind>(replica: ProxyReplica, kind: K, desired: DesiredRegistration<BodyOf[K]>): Promise<MemberObservation<ObservedOf[K]>> {
    const endpoint = replica.endpoint;
    try {
      const held = this.#held.get(endpoint);
      const knownToDiffer = held !== undefined && held[kind].get(desired.id) !== desired.hash;
      let read = knownToDiffer ? undefined : await this.#get(replica, kind, desired.id);
      if (!read || read.specHash !== desired.hash) {
        this.#o.onWrite?.('PUT', kind);
        read = kind === 'gateway' ? await replica.admin.putGateway(desired.id, desired.body as BodyOf['gateway']) : await replica.admin.putServer(desired.id, desired.body as BodyOf['server']);
        this.#note(endpoint, kind, desired.id, read.specHash);
      }
      const observed = read as unknown as ObservedOf[K];
      if (read.specHash === desired.hash) return { endpoint, synced: true, read: observed };
      return { endpoint, synced: false, read: observed, error: 'the replica holds another spec (concurrent writer?)' };
    } catch (err) {
      return { endpoint, synced: false, error: shortError(err) };
    }
  }

  #get(replica: ProxyReplica, kind: RegistrationKind, id: string) {
    return kind === 'gateway' ? replica.admin.getGateway(id) : replica.admin.getServer(id);
  }

  async delete(kind: RegistrationKind, id: string, options: { onlyNamespace?: string } = {}): Promise<DeleteFailure[]> {
    const failures = await Promise.all(
      this.#o.replicas.list().map(async (r): Promise<DeleteFailure | undefined> => {
        try {
          if (options.onlyNamespace !== undefined) {
            const read = await this.#get(r, kind, id);
            if (!read || read.namespace !== options.onlyNamespace) return undefined;
          }
          this.#o.onWrite?.('DELETE', kind);
          if (kind === 'gateway') await r.admin.deleteGateway(id);
          else await r.admin.deleteServer(id);
          this.#note(r.endpoint, kind, id, undefined);
          return undefined;
        } catch (err) {
          return { endpoint: r.endpoint, error: shortError(err) };
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
      state = await replica.admin.getState();
    } catch (err) {
      this.#held.delete(replica.endpoint);
      return { endpoint: replica.endpoint, error: shortError(err) };
    }
    this.#held.set(replica.endpoint, { gateway: new Map(Object.entries(state.gateways)), server: new Map(Object.entries(state.servers)) });
    return { endpoint: replica.endpoint, held: { gateway: state.gateways, server: state.servers }, digest: state.digest, ready: state.ready };
  }

  async confirmConverged(endpoint: string, digest: string): Promise<boolean> {
    const replica = this.#o.replicas.list().find((r) => r.endpoint === endpoint);
    if (!replica) return false;
    this.#o.onWrite?.('POST', 'state');
    const r = await replica.admin.markSynced(digest).catch(() => undefined);
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
    else held[kind].set(id, hash);
  }
}
