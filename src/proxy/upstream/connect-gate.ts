/**
 * At most `limit` upstream session set-ups (initialize, the standing stream, the logging level)
 * in flight per replica; the others wait their turn, first come first served.
 *
 * Why: an operator applying 10,000 gateways PUTs them as fast as the replica answers, and each PUT
 * starts its session at once. Unbounded, thousands of set-ups ran at the same time, each with its
 * own 10 s deadline: the event loop, busy with all of them, answered nothing in time — set-ups and
 * health checks timed out, every timed-out upstream was reconnected, and `GET /v1/state` took 25–83 s,
 * so the operator held the replica's circuit open and 20,000 objects never converged. A set-up's
 * deadline starts when its turn comes; waiting does not count against it. Requests on a session
 * that is already up (calls, pings, lists) never wait here.
 */
export class ConnectGate {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Set-ups running / waiting now (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /** Runs `setUp` when a slot is free; resolves or rejects with it. */
  async run<T>(setUp: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await setUp();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes on: #running stays
      else this.#running--;
    }
  }
}

/** Set-ups in flight per replica by default: enough to keep a core busy, few enough to leave it answering. */
export const DEFAULT_CONNECT_CONCURRENCY = 32;
