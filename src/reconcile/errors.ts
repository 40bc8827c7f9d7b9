/**
 * Errors of the reconcile core. Each has a stable `code`, names the field (`path`) and the object
 * it concerns, and never carries a secret value.
 */

export type ReconcileErrorCode =
  /** A referenced Secret does not exist. Stalls the resource until the Secret appears. */
  | 'ERR_SECRET_NOT_FOUND'
  /** A referenced Secret exists but lacks the key. */
  | 'ERR_SECRET_KEY_NOT_FOUND'
  /** The spec is structurally valid but cannot be turned into a registration. */
  | 'ERR_INVALID_SPEC'
  /** The spec asks for what the platform's policy does not allow in its namespace (tenant-policy.ts). */
  | 'ERR_POLICY_DENIED';

/**
 * A desired state that cannot be computed. `stalled` is true for every code here: retrying will not
 * help until the user (or a Secret) changes something, and the watch on that object re-queues it.
 */
export class ReconcileError extends Error {
  readonly code: ReconcileErrorCode;
  /** Dotted path of the field in the resource, e.g. `spec.auth.oauth.clientSecretRef`. */
  readonly path: string;
  /** Condition reason for status (`SecretNotFound`, …). */
  readonly reason: string;
  readonly stalled = true;

  constructor(code: ReconcileErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.name = 'ReconcileError';
    this.code = code;
    this.path = path;
    this.reason = REASONS[code];
  }
}

const REASONS: Record<ReconcileErrorCode, string> = {
  ERR_SECRET_NOT_FOUND: 'SecretNotFound',
  ERR_SECRET_KEY_NOT_FOUND: 'SecretKeyNotFound',
  ERR_INVALID_SPEC: 'InvalidSpec',
  ERR_POLICY_DENIED: 'PolicyDenied',
};

export function isReconcileError(err: unknown): err is ReconcileError {
  return err instanceof ReconcileError;
}

/** A failure message safe for status and events: one line, at most 300 characters. */
export function shortError(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/\s+/g, ' ').slice(0, 300);
}
