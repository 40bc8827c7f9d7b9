/**
 * The storage contract each vault backend implements: opaque sealed records with a version for
 * compare-and-swap. Backends never see plaintext; {@link EncryptedTokenVault} seals and opens.
 */

/** Where a record lives. `userHash` stands in for the user so no backend stores the user name in clear. */
export interface RecordLocation {
  namespace: string;
  gatewayId: string;
  userHash: string;
}

/** A short lease one replica holds while it spends the refresh token. Non-secret. */
export interface RefreshLease {
  holder: string;
  /** Epoch milliseconds after which others may take the lease over. */
  expiresAt: number;
}

/** `document`: a per-gateway sealed document (e.g. a registered OAuth client), not a user's tokens. */
export type RecordState = 'active' | 'reconnect-needed' | 'document';

export interface SealedRecord {
  /** `seal()` of the token set JSON (purpose `tokens`). */
  tokens: string;
  /** `seal()` of the user id (purpose `subject`; user part of the AAD = userHash), for listing. */
  subject: string;
  /** Non-secret summary, readable without the key (counts consented users). */
  state: RecordState;
  lease?: RefreshLease;
}

export interface VersionedRecord extends SealedRecord {
  /** Opaque; changes on every write. */
  version: string;
}

/** Where a listing continues: at most `limit` records, after the page `continue` came with. */
export interface ListPage {
  limit: number;
  continue?: string;
}

/** One page of a gateway's records; `continue` is set while more follow (pass it to the next `list`). */
export interface RecordPage {
  items: Array<{ location: RecordLocation; record: VersionedRecord }>;
  continue?: string;
}

export interface RecordStore {
  read(location: RecordLocation): Promise<VersionedRecord | undefined>;
  /**
   * Writes `record`. `expectedVersion`: a version = replace only if unchanged; `null` = create only
   * if absent; `undefined` = unconditional. Throws `VaultConflictError` when the condition fails.
   * Returns the new version.
   */
  write(location: RecordLocation, record: SealedRecord, expectedVersion: string | null | undefined): Promise<string>;
  /** Returns false when there was nothing to delete. */
  remove(location: RecordLocation): Promise<boolean>;
  /** A page of the records of one gateway (the first page without `page.continue`), so no caller needs them all in memory at once. */
  list(namespace: string, gatewayId: string, page: ListPage): Promise<RecordPage>;
  /** Human-readable name of a record for error messages (path or Secret name; no user name). */
  describe(location: RecordLocation): string;
}
