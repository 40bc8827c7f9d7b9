/**
 * Replica-level convergence, the part of reconciling that is about a proxy replica rather than one
 * resource:
 *
 * - remembers the desired spec hash of every registration the reconcilers computed;
 * - polls `GET /state` of every replica (every `pollIntervalMs`, and at once when the replica set
 *   changes): a registration whose hash differs or is missing (a restarted replica holds nothing)
 *   re-queues its resource, so a replica is re-converged within seconds with no change to resources;
 * - deletes registrations no resource corresponds to any more (garbage left by a resource deleted
 *   while the operator was down without its finalizer), once the caches are synced;
 * - tells a replica it is converged (`POST /state/synced`) when its digest equals the digest of the
 *   desired set, so a new replica turns ready only after its first full sync.
 */
import { stateDigest, type DigestEntry } from '../contract/digest.ts';
import type { StateRead } from '../contract/wire.ts';
import type { ProxyReplica, ReplicaSource } from './replicas.ts';

export type RegistrationKind = 'gateway' | 'server';

interface DesiredEntry {
  kind: RegistrationKind;
  id: string;
  hash: string;
  /** The work-queue key of the resource it comes from. */
  key: string;
}

export interface ProxySyncOptions {
  replicas: ReplicaSource;
  /** Re-queues a resource by its work-queue key. */
  enqueue: (key: string) => void;
  /** Re-queues every resource (a replica appeared, went down or came back). */
  enqueueAll: () => void;
  /**
   * True when a registration id still corresponds to a cached resource (it is not garbage). Called
   * only when `settled()`.
   */
  isKnown: (kind: RegistrationKind, id: string) => boolean;
  /** True once the caches are synced and every cached resource was reconciled at least once. */
  settled: () => boolean;
  /** Only registrations in this namespace are garbage-collected. Undefined = all namespaces. */
  namespace?: string;
  /** Defaults to 5000 ms. */
  pollIntervalMs?: number;
  /** Counts admin writes (verb, resource). */
  onWrite?: (verb: 'PUT' | 'DELETE' | 'POST', resource: string) => void;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

export class ProxySync {
  readonly #o: ProxySyncOptions;
  readonly #desired = new Map<string, DesiredEntry>();
  /** Replicas that answered the last poll; a change in either direction re-queues everything. */
  readonly #healthy = new Map<string, boolean>();
  /** What each replica held at its last poll, updated by our own writes since. */
  readonly #held = new Map<string, { gateway: Map<string, string>; server: Map<string, string> }>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #again = false;
  #running = false;

  constructor(options: ProxySyncOptions) {
    this.#o = options;
    options.replicas.onChange(() => {
      this.#o.enqueueAll();
      this.poke();
    });
  }

  /** Records the desired hash of a registration (after desired() succeeded). */
  setDesired(kind: RegistrationKind, id: string, hash: string, key: string): void {
    this.#desired.set(`${kind}/${id}`, { kind, id, hash, key });
  }

  /** Forgets a registration (its resource is gone, or it cannot be computed any more). */
  removeDesired(kind: RegistrationKind, id: string): void {
    this.#desired.delete(`${kind}/${id}`);
  }

  /**
   * The spec hash `endpoint` holds for a registration as far as this process knows (last poll plus
   * its own writes since): a hash, `undefined` when it holds none, `null` when unknown (no poll yet).
   * A hint to skip a read before a write, never a reason to skip a write.
   */
  heldHash(endpoint: string, kind: RegistrationKind, id: string): string | undefined | null {
    const held = this.#held.get(endpoint);
    return held ? held[kind].get(id) : null;
  }

  /** Records a write this process made to `endpoint` (`undefined` = deleted). */
  noteWritten(endpoint: string, kind: RegistrationKind, id: string, hash: string | undefined): void {
    const held = this.#held.get(endpoint);
    if (!held) return;
    if (hash === undefined) held[kind].delete(id);
    else held[kind].set(id, hash);
  }

  desiredHash(kind: RegistrationKind, id: string): string | undefined {
    return this.#desired.get(`${kind}/${id}`)?.hash;
  }

  /** The state digest a converged replica reports. */
  desiredDigest(): string {
    const entries: DigestEntry[] = [];
    for (const e of this.#desired.values()) entries.push({ kind: e.kind, id: e.id, specHash: e.hash });
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

  /** Polls every replica now (coalesced with a poll in flight). */
  poke(): void {
    if (!this.#running) return;
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = this.pollOnce()
      .catch((err: unknown) => this.#o.log?.('warn', 'proxy poll failed', { error: (err as Error).message }))
      .finally(() => {
        this.#polling = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** One poll of every replica. Exposed for tests. */
  async pollOnce(): Promise<void> {
    await Promise.all(this.#o.replicas.list().map((r) => this.#pollReplica(r)));
  }

  async #pollReplica(replica: ProxyReplica): Promise<void> {
    let state: StateRead;
    try {
      state = await replica.admin.getState();
    } catch (err) {
      this.#held.delete(replica.endpoint);
      if (this.#healthy.get(replica.endpoint) !== false) {
        this.#o.log?.('warn', 'proxy replica does not answer', { replica: replica.endpoint, error: (err as Error).message });
        this.#healthy.set(replica.endpoint, false);
        this.#o.enqueueAll();
      }
      return;
    }
    if (this.#healthy.get(replica.endpoint) === false) {
      this.#o.log?.('info', 'proxy replica answers again', { replica: replica.endpoint });
      this.#o.enqueueAll();
    }
    this.#healthy.set(replica.endpoint, true);
    this.#held.set(replica.endpoint, { gateway: new Map(Object.entries(state.gateways)), server: new Map(Object.entries(state.servers)) });

    let behind = 0;
    for (const e of this.#desired.values()) {
      const held = (e.kind === 'gateway' ? state.gateways : state.servers)[e.id];
      if (held !== e.hash) {
        behind++;
        this.#o.enqueue(e.key);
      }
    }
    if (!this.#o.settled()) return;

    let orphans = 0;
    for (const kind of ['server', 'gateway'] as const) {
      for (const id of Object.keys(kind === 'gateway' ? state.gateways : state.servers)) {
        if (this.#desired.has(`${kind}/${id}`) || this.#o.isKnown(kind, id)) continue;
        orphans++;
        await this.#collect(replica, kind, id);
      }
    }
    if (behind === 0 && orphans === 0 && !state.ready) {
      const digest = this.desiredDigest();
      if (digest === state.digest) {
        this.#o.onWrite?.('POST', 'state');
        const r = await replica.admin.markSynced(digest).catch(() => undefined);
        if (r?.synced) this.#o.log?.('info', 'proxy replica converged and marked synced', { replica: replica.endpoint, digest });
      }
    }
  }

  async #collect(replica: ProxyReplica, kind: RegistrationKind, id: string): Promise<void> {
    try {
      if (this.#o.namespace !== undefined) {
        const read = kind === 'gateway' ? await replica.admin.getGateway(id) : await replica.admin.getServer(id);
        if (!read || read.namespace !== this.#o.namespace) return;
      }
      this.#o.onWrite?.('DELETE', kind);
      if (kind === 'gateway') await replica.admin.deleteGateway(id);
      else await replica.admin.deleteServer(id);
      this.noteWritten(replica.endpoint, kind, id, undefined);
      this.#o.log?.('info', 'deleted a registration no resource corresponds to', { replica: replica.endpoint, kind, id });
    } catch (err) {
      this.#o.log?.('warn', 'could not delete an orphaned registration', { replica: replica.endpoint, kind, id, error: (err as Error).message });
    }
  }
}
