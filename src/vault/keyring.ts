/**
 * A keyring: the active key (used for every new write) and older keys (still opened, so records
 * sealed before a rotation keep working and are re-sealed with the active key on their next write).
 *
 * Serialized form (the key file in dev, the `keys.json` entry of a Secret in-cluster):
 *
 *     { "active": "k-20261125-1a2b", "keys": { "k-20261125-1a2b": "<base64url 32 bytes>", "k-old": "…" } }
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { VaultError } from './errors.ts';

export const KEY_BYTES = 32;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface VaultKey {
  kid: string;
  key: Buffer;
}

export const KeyringDocument = z.object({
  active: z.string().regex(KID_PATTERN, 'a key id is 1-64 characters of A-Z a-z 0-9 _ -'),
  keys: z.record(z.string().regex(KID_PATTERN, 'a key id is 1-64 characters of A-Z a-z 0-9 _ -'), z.string()),
});
export type KeyringDocument = z.infer<typeof KeyringDocument>;

export class Keyring {
  readonly active: VaultKey;
  readonly #keys: ReadonlyMap<string, Buffer>;

  /** @param keys every usable key; `activeKid` must be one of them. */
  constructor(keys: readonly VaultKey[], activeKid: string) {
    const map = new Map<string, Buffer>();
    for (const { kid, key } of keys) {
      if (!KID_PATTERN.test(kid)) throw new VaultError('ERR_VAULT_KEY_INVALID', `key id "${kid}" is not 1-64 characters of A-Z a-z 0-9 _ -`);
      if (key.length !== KEY_BYTES) {
        throw new VaultError('ERR_VAULT_KEY_INVALID', `key "${kid}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES}`);
      }
      map.set(kid, key);
    }
    const active = map.get(activeKid);
    if (active === undefined) {
      throw new VaultError('ERR_VAULT_KEY_INVALID', `active key id "${activeKid}" is not among the keys (${[...map.keys()].join(', ') || 'none'})`);
    }
    this.#keys = map;
    this.active = { kid: activeKid, key: active };
  }

  get(kid: string): Buffer | undefined {
    return this.#keys.get(kid);
  }

  kids(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Parses the serialized form. `source` names where it came from in error messages
   * (e.g. `file /data/vault-keys.json`, `Secret mcp/mcp-gitops-vault-key`).
   */
  static parse(text: string, source: string): Keyring {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new VaultError('ERR_VAULT_KEY_INVALID', `keyring ${source} is not valid JSON`);
    }
    const parsed = KeyringDocument.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VaultError(
        'ERR_VAULT_KEY_INVALID',
        `keyring ${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const keys = Object.entries(parsed.data.keys).map(([kid, text]) => ({ kid, key: Buffer.from(text, 'base64url') }));
    try {
      return new Keyring(keys, parsed.data.active);
    } catch (error) {
      if (error instanceof VaultError) throw new VaultError(error.code, `keyring ${source}: ${error.message}`);
      throw error;
    }
  }

  /** A fresh keyring with one random key. */
  static generate(): Keyring {
    const key = newVaultKey();
    return new Keyring([key], key.kid);
  }

  /** A new keyring whose active key is fresh and which still holds every key of this one. */
  rotated(): Keyring {
    const key = newVaultKey();
    return new Keyring([...this.#entries(), key], key.kid);
  }

  /**
   * A 32-byte key for another purpose derived from the active key (HKDF-SHA256, `info` = purpose),
   * e.g. the consent-ticket signing key, so replicas sharing the keyring share it without another
   * Secret. Changes when the active key rotates.
   */
  deriveKey(purpose: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.active.key, Buffer.alloc(0), `mcp-gitops.dev/${purpose}`, 32));
  }

  /**
   * {@link deriveKey} for every key of the ring, the active key's first: what seals with the first
   * and opens with any (values sealed before a rotation keep opening until the old key is dropped).
   */
  deriveKeys(purpose: string): Uint8Array[] {
    return [this.active, ...this.#entries().filter((k) => k.kid !== this.active.kid)].map((k) => new Uint8Array(hkdfSync('sha256', k.key, Buffer.alloc(0), `mcp-gitops.dev/${purpose}`, 32)));
  }

  /** The serialized form (contains key material: write it only to a 0600 file or a Secret). */
  serialize(): string {
    const keys: Record<string, string> = {};
    for (const { kid, key } of this.#entries()) keys[kid] = key.toString('base64url');
    return `${JSON.stringify({ active: this.active.kid, keys }, null, 2)}\n`;
  }

  #entries(): VaultKey[] {
    return [...this.#keys].map(([kid, key]) => ({ kid, key }));
  }
}

function newVaultKey(): VaultKey {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return { kid: `k-${day}-${randomBytes(3).toString('hex')}`, key: randomBytes(KEY_BYTES) };
}
