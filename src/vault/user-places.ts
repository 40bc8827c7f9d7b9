/**
 * Where a user's token record lives in a {@link RecordStore}, and where it may have lived before.
 *
 * A record's place is named by a hash of the user id (file names, Secret names, the
 * `mcp-gitops.dev/user-hash` label). The hash is keyed by the vault key, so after a key rotation, and
 * for records written by versions before the hash was keyed, a record may still sit at a *former*
 * place: an older key's hash, or the unkeyed hash. The vault moves such a record on first use;
 * this module only names the places and rations the look at former ones.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Keyring } from './keyring.ts';
import type { RecordLocation } from './record-store.ts';
import type { TokenRef } from './token-vault.ts';

const USER_HASH_PURPOSE = 'user-hash';
/** How long a ref's former places count as empty once checked. */
const FORMER_CHECK_MS = 10 * 60_000;
/** Refs whose former-place check is remembered, oldest forgotten first. */
const FORMER_CHECKS_MAX = 10_000;

/**
 * The stand-in for a user in file names, Secret names and the `mcp-gitops.dev/user-hash` label (40
 * hex): an HMAC-SHA256 of the user id under a key derived from the vault key (`keyring`'s active
 * one, HKDF info `mcp-gitops.dev/user-hash`), so whoever can list Secrets cannot confirm a guessed
 * user id without the key.
 */
export function userHash(user: string, keyring: Keyring): string {
  return keyedUserHash(user, keyring.deriveKey(USER_HASH_PURPOSE));
}

/** Where records were kept before the hash was keyed: an unkeyed SHA-256 (read, and moved on first use, only). */
export function legacyUserHash(user: string): string {
  return createHash('sha256').update(`mcp-gitops.dev/user\n${user}`).digest('hex').slice(0, 40);
}

function keyedUserHash(user: string, key: Uint8Array): string {
  return createHmac('sha256', key).update(`mcp-gitops.dev/user\n${user}`, 'utf8').digest('hex').slice(0, 40);
}

export class UserPlaces {
  /** The user-hash keys, the active key's first (where records live), then the older keys' (moved on first use). */
  readonly #hashKeys: Uint8Array[];
  /** Refs whose former places were found empty, until when: nothing new is written there, so a miss costs one read. */
  readonly #formerChecked = new Map<string, number>();

  constructor(keyring: Keyring) {
    this.#hashKeys = keyring.deriveKeys(USER_HASH_PURPOSE);
  }

  /** Where `ref`'s record lives (the active key's user hash). */
  locate(ref: TokenRef): RecordLocation {
    return { namespace: ref.namespace, gatewayId: ref.gatewayId, userHash: keyedUserHash(ref.user, this.#hashKeys[0]!) };
  }

  /** Where it may have been put before: under an older key's hash, or the unkeyed hash of earlier versions. */
  former(ref: TokenRef): RecordLocation[] {
    const hashes = [...this.#hashKeys.slice(1).map((k) => keyedUserHash(ref.user, k)), legacyUserHash(ref.user)];
    return hashes.map((userHash) => ({ namespace: ref.namespace, gatewayId: ref.gatewayId, userHash }));
  }

  /** Whether `location` is one of `ref`'s places, current or former. */
  isPlaceOf(ref: TokenRef, location: RecordLocation): boolean {
    return [this.locate(ref), ...this.former(ref)].some((l) => l.userHash === location.userHash);
  }

  /**
   * Whether `ref`'s former places are due a look, and if so records the look: at most once per 10
   * minutes per ref, and again after that, because a replica of an earlier version may still write
   * there during an upgrade.
   */
  formerCheckDue(ref: TokenRef): boolean {
    const key = JSON.stringify([ref.namespace, ref.gatewayId, ref.user]);
    if ((this.#formerChecked.get(key) ?? 0) > Date.now()) return false;
    this.#formerChecked.delete(key);
    if (this.#formerChecked.size >= FORMER_CHECKS_MAX) this.#formerChecked.delete(this.#formerChecked.keys().next().value as string);
    this.#formerChecked.set(key, Date.now() + FORMER_CHECK_MS);
    return true;
  }
}
