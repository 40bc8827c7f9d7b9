/**
 * The token vault contract (DESIGN.md, contract 4): per-(gateway, user) token sets, sealed at rest,
 * with a cross-replica single-flight refresh. Implemented by {@link EncryptedTokenVault} over a
 * file or Kubernetes Secret record store.
 */
import type { StoredTokenSet, StoredTokenSetInput } from './token-set.ts';

/** Whose token: the gateway (namespace + id) and the user (the agent JWT's `sub`). */
export interface TokenRef {
  namespace: string;
  gatewayId: string;
  user: string;
}

export interface TokenEntry {
  ref: TokenRef;
  tokens: StoredTokenSet;
  /** Opaque record version for compare-and-swap (`put(..., { ifVersion })`). */
  version: string;
  /** Key id the record is sealed with (differs from the active one until its next write). */
  kid: string;
  /** The record's generation (authenticated; raised on every write). 0 for records of the first format. */
  generation: number;
}

export interface PutOptions {
  /** Replace only if the record still has this version; `null` = create only if absent. */
  ifVersion?: string | null;
}

/** What {@link TokenVault.refreshUnderLock} calls while it holds the refresh lease. */
export interface Refresher {
  /** True when `tokens` need no refresh (e.g. another replica has just refreshed them). */
  isFresh(tokens: StoredTokenSet): boolean;
  /** Spends the refresh token once and returns the new set. Called at most once per lease. */
  refresh(tokens: StoredTokenSet, signal?: AbortSignal): Promise<StoredTokenSetInput>;
  /** The set to store when `refresh` throws (e.g. `reconnectNeeded`). Undefined: keep the old one. */
  onFailure?(tokens: StoredTokenSet, error: unknown): StoredTokenSetInput | undefined;
}

export interface RefreshOptions {
  signal?: AbortSignal;
}

export interface TokenVault {
  get(ref: TokenRef): Promise<TokenEntry | undefined>;
  /** Seals `tokens` with the active key and stores them (re-sealing records of older keys). */
  put(ref: TokenRef, tokens: StoredTokenSetInput, options?: PutOptions): Promise<TokenEntry>;
  delete(ref: TokenRef): Promise<boolean>;
  /**
   * Every user record of a gateway that opens with the keyring, read from the store a page at a
   * time: for passes over all users (the token keeper) without holding them all.
   */
  entriesByGateway(namespace: string, gatewayId: string): AsyncIterable<TokenEntry>;
  /** Every record of a gateway that opens with the keyring; `skipped` counts those that do not. */
  listByGateway(namespace: string, gatewayId: string): Promise<{ entries: TokenEntry[]; skipped: number }>;
  /** Number of users with a usable (not reconnect-needed) record, read without opening any. */
  countAuthorized(namespace: string, gatewayId: string): Promise<number>;
  /**
   * Single-flight refresh: returns the current entry when `refresher.isFresh` (or when it needs a
   * reconnect), otherwise takes a short lease on the record (compare-and-swap), calls
   * `refresher.refresh` once, stores the result and releases the lease. While another replica
   * holds the lease it waits and re-reads, so a refresh token is never presented twice.
   * Resolves `undefined` when there is no record.
   */
  refreshUnderLock(ref: TokenRef, refresher: Refresher, options?: RefreshOptions): Promise<TokenEntry | undefined>;
  /**
   * A small sealed JSON document per gateway, shared by every replica (e.g. the OAuth client a
   * replica registered dynamically, so all replicas use the same one). Not a user; never listed or counted.
   */
  getDocument(namespace: string, gatewayId: string, name: string): Promise<{ value: unknown; version: string } | undefined>;
  /** Stores a document; `ifVersion` as for {@link put} (`null` = only if absent). Returns the new version. */
  putDocument(namespace: string, gatewayId: string, name: string, value: unknown, options?: PutOptions): Promise<string>;
  /** Deletes a document; true only for the one caller that removed it (single use across replicas). */
  deleteDocument(namespace: string, gatewayId: string, name: string): Promise<boolean>;
  /** Every document of a gateway that opens with the keyring. */
  listDocuments(namespace: string, gatewayId: string): Promise<Array<{ name: string; value: unknown; version: string }>>;
}
