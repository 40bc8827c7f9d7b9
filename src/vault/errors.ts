/**
 * Errors raised by the token vault. Every error carries a stable `code`; messages name what is wrong
 * and where (namespace/gateway, key id, file path) and never contain a token, a key or a ciphertext.
 */

export type VaultErrorCode =
  /** No encryption key is configured, or the key source (file / Secret) is missing. */
  | 'ERR_VAULT_KEY_MISSING'
  /** A key source exists but is malformed (bad JSON, wrong key length, unknown active kid). */
  | 'ERR_VAULT_KEY_INVALID'
  /** The key file is readable by group or others (must be 0600). */
  | 'ERR_VAULT_KEY_FILE_MODE'
  /** A record was sealed with a key id the keyring does not hold. */
  | 'ERR_VAULT_UNKNOWN_KID'
  /** Authentication failed: tampered ciphertext, wrong key, or a record moved to another user/gateway. */
  | 'ERR_VAULT_DECRYPT'
  /** A stored record is not in a format this version understands. */
  | 'ERR_VAULT_RECORD_MALFORMED'
  /** A record older (by generation) than one this process already read or wrote: a stale copy was written back. */
  | 'ERR_VAULT_STALE_RECORD'
  /** Compare-and-swap lost: the record changed since it was read. Re-read and decide again. */
  | 'ERR_VAULT_CONFLICT'
  /** Waited longer than the lease for another replica's refresh to finish. */
  | 'ERR_VAULT_LOCK_TIMEOUT'
  /** The storage backend (file system, Kubernetes API) failed. */
  | 'ERR_VAULT_BACKEND';

export class VaultError extends Error {
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
    this.code = code;
  }
}

/** Thrown by a conditional write whose expected version no longer matches the stored one. */
export class VaultConflictError extends VaultError {
  constructor(where: string) {
    super('ERR_VAULT_CONFLICT', `token record ${where} changed since it was read (compare-and-swap lost)`);
    this.name = 'VaultConflictError';
  }
}

export function isVaultError(error: unknown, code?: VaultErrorCode): error is VaultError {
  return error instanceof VaultError && (code === undefined || error.code === code);
}
