/**
 * What a failed reconcile asks of the work queue, in the model of Flux (`internal/error`:
 * Stalling, Waiting, Generic) and controller-runtime (`reconcile.TerminalError`):
 *
 * | thrown            | queue                                           | log   | metric result |
 * |-------------------|-------------------------------------------------|-------|---------------|
 * | `StallingError`   | no retry; the watch on the object (or on what it references) re-queues it | info  | `stalled` |
 * | `WaitingError`    | re-run after `requeueAfterMs`, backoff untouched; an expected wait, not a failure | debug | `waiting` |
 * | anything else     | retry with per-key exponential backoff (Generic)  | warn  | `error`       |
 *
 * Messages are one line and never carry a secret (they reach logs; status carries its own text).
 */

/** Retrying cannot help until the user (or a referenced object) changes something. */
export class StallingError extends Error {
  override name = 'StallingError';
}

/** Waiting for something expected (a first health check, a dependency); look again after `requeueAfterMs`. */
export class WaitingError extends Error {
  override name = 'WaitingError';
  readonly requeueAfterMs: number;

  constructor(message: string, requeueAfterMs: number) {
    super(message);
    this.requeueAfterMs = requeueAfterMs;
  }
}

/** How the queue treats a reconcile's outcome. */
export type Outcome = { result: 'success' } | { result: 'stalled' } | { result: 'waiting'; afterMs: number } | { result: 'error' };

/** The queue's decision for a thrown value. */
export function outcomeOf(err: unknown): Outcome {
  if (err instanceof StallingError) return { result: 'stalled' };
  if (err instanceof WaitingError) return { result: 'waiting', afterMs: err.requeueAfterMs };
  return { result: 'error' };
}
