/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics:
 *
 * - a candidate takes the Lease when it is free (no holder) or has expired — judged by when *this*
 *   process last saw the record change, plus `leaseDurationSeconds`, so clock skew between nodes
 *   does not matter;
 * - every write carries the Lease's resourceVersion, so two candidates never both win;
 * - the leader renews every `retryPeriodMs`; if it cannot renew for `renewDeadlineMs` it stops
 *   leading (`onStoppedLeading`) — the caller must stop acting at once;
 * - `stop()` releases the Lease (empty holder), so a successor takes over without waiting it out;
 * - a candidate watches the Lease and tries at once when it sees it released (or deleted), so a
 *   graceful handover (rolling update of the operator, SIGTERM) takes one round trip, not a
 *   retry period.
 *
 * Defaults are controller-runtime's: lease 15 s, renew deadline 10 s, retry period 2 s.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isConflict, isNotFound } from '../kube/client.ts';
import type { KubeClient } from '../kube/client.ts';
import { Reflector } from './kube/reflector.ts';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  /** Lease name. Defaults to `mcp-gitops-operator`. */
  name?: string;
  /** Defaults to `<hostname>_<uuid>`. */
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime. */
function microTime(d = new Date()): string {
  return d.toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  readonly identity: string;
  readonly #o: Required<Omit<LeaderElectionOptions, 'log' | 'identity'>> & Pick<LeaderElectionOptions, 'log'>;
  #leading = false;
  #stopped = false;
  #observed: { record: string; at: number } | undefined;
  #lastRenew = 0;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** A release seen while an attempt was in flight: try again without sleeping. */
  #poked = false;
  readonly #watch: Reflector<Lease>;

  constructor(options: LeaderElectionOptions) {
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#o = {
      client: options.client,
      namespace: options.namespace,
      name: options.name ?? 'mcp-gitops-operator',
      leaseDurationSeconds: options.leaseDurationSeconds ?? 15,
      renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
      retryPeriodMs: options.retryPeriodMs ?? 2_000,
      onStartedLeading: options.onStartedLeading,
      onStoppedLeading: options.onStoppedLeading,
      log: options.log,
    };
    this.#watch = new Reflector<Lease>({
      client: options.client,
      path: this.#path,
      fieldSelector: `metadata.name=${this.#o.name}`,
      onChange: (type, lease) => {
        if (this.#leading || (type !== 'DELETED' && lease.spec?.holderIdentity)) return;
        this.#poked = true;
        this.#wake?.();
      },
      ...(options.log ? { log: (level, msg, fields) => options.log?.(level === 'warn' || level === 'error' ? 'warn' : 'info', msg, fields) } : {}),
    });
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Starts campaigning in the background. */
  start(): void {
    this.#loop ??= this.#run();
    void this.#watch.start();
  }

  /** Stops campaigning; a leader releases the Lease first. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop;
    await this.#watch.stop();
    if (this.#leading) {
      await this.#release().catch((err: unknown) =>
        this.#o.log?.('warn', 'could not release the Lease on shutdown; the next leader waits for it to expire', { lease: this.#o.name, error: (err as Error).message }),
      );
      this.#setLeading(false);
    }
  }

  get #path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/leases`;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const ok = await this.#tryAcquireOrRenew();
        if (ok) {
          this.#lastRenew = Date.now();
          if (!this.#leading) this.#setLeading(true);
        } else if (this.#leading) {
          this.#o.log?.('warn', 'leader election lost: another holder took the Lease', { lease: this.#o.name });
          this.#setLeading(false);
        }
      } catch (err) {
        this.#o.log?.('warn', 'leader election: Lease update failed', { error: (err as Error).message });
      }
      if (this.#leading && Date.now() - this.#lastRenew > this.#o.renewDeadlineMs) {
        this.#o.log?.('warn', 'leader election lost: could not renew within the renew deadline', { renewDeadlineMs: this.#o.renewDeadlineMs });
        this.#setLeading(false);
      }
      if (this.#poked && !this.#leading) {
        this.#poked = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, this.#o.retryPeriodMs * (this.#leading ? 1 : 0.8 + Math.random() * 0.4));
      });
      this.#poked = false;
    }
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    try {
      if (leading) this.#o.onStartedLeading();
      else this.#o.onStoppedLeading();
    } catch (err) {
      this.#o.log?.('warn', 'leader election callback failed', { error: (err as Error).message });
    }
  }

  /** One acquire-or-renew attempt. True when this candidate holds the Lease afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    let lease: Lease;
    try {
      lease = await this.#o.client.get<Lease>(`${this.#path}/${this.#o.name}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await this.#o.client.request('POST', this.#path, {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.#o.name, namespace: this.#o.namespace },
            spec: { holderIdentity: this.identity, leaseDurationSeconds: this.#o.leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
          },
        });
        return true;
      } catch (e) {
        if (isConflict(e)) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: Date.now() };
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? this.#o.leaseDurationSeconds) * 1000;
    const expired = Date.now() > this.#observed.at + duration;
    if (holder !== '' && holder !== this.identity && !expired) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.#o.leaseDurationSeconds,
        renewTime: microTime(now),
        ...(holder === this.identity ? {} : { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      await this.#o.client.request('PUT', `${this.#path}/${this.#o.name}`, { body: next });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  async #release(): Promise<void> {
    const lease = await this.#o.client.get<Lease>(`${this.#path}/${this.#o.name}`);
    if (lease.spec?.holderIdentity !== this.identity) return;
    await this.#o.client.request('PUT', `${this.#path}/${this.#o.name}`, {
      body: { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime() } },
    });
  }
}
