/**
 * The token vault: sealed per-(gateway, user) token sets on files (dev) or Kubernetes Secrets.
 *
 * @example
 *   const keyring = await loadKeyringFile(join(dataDir, 'vault-keys.json'));
 *   const vault = new EncryptedTokenVault({ store: new FileRecordStore({ dataDir }), keyring });
 *   await vault.put({ namespace, gatewayId, user }, { accessToken, obtainedAt: Date.now() });
 */
export { seal, open, sealedKid, sealedGeneration, type SealContext } from './crypto.ts';
export { VaultError, VaultConflictError, isVaultError, type VaultErrorCode } from './errors.ts';
export { Keyring, type VaultKey } from './keyring.ts';
export { loadKeyringFile, writeKeyringFile, rotateKeyringFile, loadKeyringSecret, KEYRING_SECRET_KEY } from './key-sources.ts';
export { StoredTokenSet, expiresSoon, type StoredTokenSetInput } from './token-set.ts';
export type { RecordStore, RecordLocation, SealedRecord, VersionedRecord, RefreshLease } from './record-store.ts';
export { FileRecordStore } from './file-store.ts';
export { SecretRecordStore, secretName } from './secret-store.ts';
export { EncryptedTokenVault, LIST_PAGE_SIZE } from './encrypted-vault.ts';
export { legacyUserHash, userHash } from './user-places.ts';
export type { TokenVault, TokenRef, TokenEntry, Refresher, PutOptions, RefreshOptions } from './token-vault.ts';
export { openTokenVault, type OpenVaultOptions } from './open-vault.ts';
export { UserQuota, type Admission, type Liveness, type QuotaEntry, type UserQuotaOptions } from './user-quota.ts';
