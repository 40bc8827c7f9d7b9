/**
 * Authenticated encryption of vault records: AES-256-GCM with a random 96-bit IV, a 128-bit tag that
 * is always checked at full length, and additional authenticated data (AAD) that binds a ciphertext to
 * the place it belongs (namespace/gateway/user). A ciphertext copied anywhere else fails to open.
 *
 * Sealed format (one line, ASCII, dot separated, base64url without padding):
 *
 *     v1.<kid>.<iv 12 bytes>.<ciphertext>.<tag 16 bytes>
 *
 * The version and key id are authenticated too (they are prefixed to the AAD), so a record cannot be
 * relabelled to another key or format.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VaultError } from './errors.ts';
import type { Keyring } from './keyring.ts';

const FORMAT = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a sealed value is bound to. Every field takes part in authentication. */
export interface SealContext {
  namespace: string;
  gatewayId: string;
  user: string;
  /** Distinguishes several values stored for one (namespace, gateway, user), e.g. `tokens`, `subject`. */
  purpose: string;
}

function aadFor(kid: string, context: SealContext): Buffer {
  // JSON of an array: unambiguous for any characters in the parts (no separator injection).
  return Buffer.from(
    JSON.stringify([FORMAT, kid, context.purpose, context.namespace, context.gatewayId, context.user]),
    'utf8',
  );
}

/**
 * Encrypts `plaintext` with the keyring's active key.
 *
 * @example
 *   const sealed = seal(keyring, Buffer.from(json), { namespace, gatewayId, user, purpose: 'tokens' });
 */
export function seal(keyring: Keyring, plaintext: Uint8Array, context: SealContext): string {
  const { kid, key } = keyring.active;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadFor(kid, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, kid, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
}

/** The key id a sealed value names, without opening it (for lazy re-sealing decisions). */
export function sealedKid(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === FORMAT ? parts[1] : undefined;
}

/**
 * Decrypts and authenticates a value produced by {@link seal}. Throws `ERR_VAULT_RECORD_MALFORMED`
 * when the format is wrong, `ERR_VAULT_UNKNOWN_KID` when the keyring lacks the key, and
 * `ERR_VAULT_DECRYPT` when authentication fails (tampering, wrong key, or wrong context).
 * `where` names the record in error messages (never the content).
 */
export function open(keyring: Keyring, sealed: string, context: SealContext, where: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) {
    throw new VaultError(
      'ERR_VAULT_RECORD_MALFORMED',
      `token record ${where}: expected "${FORMAT}.<kid>.<iv>.<ciphertext>.<tag>", got ${parts.length} parts` +
        (parts[0] === FORMAT ? '' : ` with an unknown format tag`),
    );
  }
  const [, kid, ivText, ciphertextText, tagText] = parts as [string, string, string, string, string];
  const key = keyring.get(kid);
  if (key === undefined) {
    throw new VaultError(
      'ERR_VAULT_UNKNOWN_KID',
      `token record ${where} is sealed with key id "${kid}", which the keyring does not hold (known: ${keyring.kids().join(', ')})`,
    );
  }
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new VaultError(
      'ERR_VAULT_RECORD_MALFORMED',
      `token record ${where}: IV must be ${IV_BYTES} bytes and tag ${TAG_BYTES} bytes (got ${iv.length} and ${tag.length})`,
    );
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(kid, context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]);
  } catch (cause) {
    throw new VaultError(
      'ERR_VAULT_DECRYPT',
      `token record ${where} failed authentication with key "${kid}": it was tampered with, sealed with another key, or belongs to another user or gateway`,
      { cause },
    );
  }
}
