/**
 * Isolation of one proxy replica, so a slow or hung replica (SIGSTOP, a partitioned node: it
 * neither answers nor refuses) delays only its own convergence:
 *
 * - at most `concurrency` admin calls in flight to it, at most `maxWaiting` more waiting; beyond
 *   that a call fails at once ("busy") instead of queueing behind a replica that does not answer;
 * - a circuit breaker: `failureThreshold` consecutive calls that got no answer (transport failure
 *   or timeout — an HTTP error is an answer) open the circuit; while open, calls fail at once with
 *   the reason. Only `probe` (the periodic `GET /state` of TargetSync) still reaches the replica,
 *   and its first success closes the circuit.
 *
 * Defaults: 4 in flight, 256 waiting, open after 2 unanswered calls.
 */

/** A call refused without reaching the replica (circuit open, or too many waiting). */
export class ReplicaUnavailableError extends Error {
  override name = 'ReplicaUnavailableError';
}

export interface ReplicaGuardOptions {
  concurrency?: number;
  maxWaiting?: number;
  failureThreshold?: number;
  /** True when `err` means the replica did not answer (counts toward opening the circuit). */
  isUnanswered: (err: unknown) => boolean;
  /** Called when the circuit opens (`open` true, with the last error) or closes. */
  onStateChange?: (open: boolean, lastError: string) => void;
}

export class ReplicaGuard {
  readonly #o: Required<Omit<ReplicaGuardOptions, 'onStateChange'>> & Pick<ReplicaGuardOptions, 'onStateChange'>;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #failures = 0;
  #openSince: number | undefined;
  #lastError = '';

  constructor(options: ReplicaGuardOptions) {
    this.#o = { concurrency: 4, maxWaiting: 256, failureThreshold: 2, ...options };
  }

  /** The circuit is open: the replica is known not to answer. */
  get open(): boolean {
    return this.#openSince !== undefined;
  }

  /** Calls waiting for a slot (a metric). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `fn` against the replica, or fails at once while the circuit is open or the queue is full. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#openSince !== undefined) {
      // No "for N s" here: the message reaches status, and must not change while nothing changes.
      return Promise.reject(new ReplicaUnavailableError(`the replica does not answer (circuit open; last error: ${this.#lastError})`));
    }
    return this.#slot(fn, false);
  }

  /** Runs `fn` even while the circuit is open (the health probe); an answer closes the circuit. */
  probe<T>(fn: () => Promise<T>): Promise<T> {
    return this.#slot(fn, true);
  }

  async #slot<T>(fn: () => Promise<T>, probe: boolean): Promise<T> {
    if (this.#active < this.#o.concurrency) this.#active++;
    else {
      if (this.#waiting.length >= this.#o.maxWaiting) throw new ReplicaUnavailableError(`the replica is busy (${this.#active} calls in flight, ${this.#waiting.length} waiting)`);
      // A finishing call hands its slot over (see #release), so `#active` never exceeds the bound.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      // The circuit opened while this call waited: it would only wait out its own timeout.
      if (this.#openSince !== undefined && !probe) {
        this.#release();
        throw new ReplicaUnavailableError(`the replica does not answer (last error: ${this.#lastError})`);
      }
    }
    try {
      const r = await fn();
      this.#answered();
      return r;
    } catch (err) {
      if (this.#o.isUnanswered(err)) this.#unanswered(err);
      else this.#answered();
      throw err;
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }

  #answered(): void {
    this.#failures = 0;
    if (this.#openSince === undefined) return;
    this.#openSince = undefined;
    this.#o.onStateChange?.(false, this.#lastError);
  }

  #unanswered(err: unknown): void {
    this.#lastError = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 200);
    if (++this.#failures < this.#o.failureThreshold || this.#openSince !== undefined) return;
    this.#openSince = Date.now();
    this.#o.onStateChange?.(true, this.#lastError);
  }
}
