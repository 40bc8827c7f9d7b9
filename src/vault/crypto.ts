/**
 * Authenticated encryption of vault records: AES-256-GCM with a random 96-bit IV, a 128-bit tag that
 * is always checked at full length, and additional authenticated data (AAD) that binds a ciphertext to
 * the place it belongs (namespace/gateway/user). A ciphertext copied anywhere else fails to open.
 *
 * Sealed format (one line, ASCII, dot separated, base64url without padding):
 *
 *     v2.<kid>.<generation>.<iv 12 bytes>.<ciphertext>.<tag 16 bytes>
 *
 * The format, key id and generation are authenticated too (they are part of the AAD), so a record
 * cannot be relabelled to another key, format or generation. The generation (a decimal counter the
 * vault raises on every write of a record) lets the vault refuse an older ciphertext written back
 * over a newer one. Records of the first format, `v1.<kid>.<iv>.<ciphertext>.<tag>` (AAD without a
 * generation), still open, as generation 0; every write produces `v2`.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { VaultError } from './errors.ts';
import type { Keyring } from './keyring.ts';

const FORMAT = 'v2';
const LEGACY_FORMAT = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The KeyObject of a keyring key, made once per key: Node validates a raw Buffer key on every
 * cipher by first trying it as a KeyObject (a thrown and caught error), 4–8× the cost of the
 * AES-GCM work itself for a token-sized record (measured for src/proxy/session-seal/sealer.ts).
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();
function keyObjectOf(key: Buffer): KeyObject {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = createSecretKey(key)));
  return k;
}

/** What a sealed value is bound to. Every field takes part in authentication. */
export interface SealContext {
  namespace: string;
  gatewayId: string;
  user: string;
  /** Distinguishes several values stored for one (namespace, gateway, user), e.g. `tokens`, `subject`. */
  purpose: string;
}

function aadFor(format: string, kid: string, generation: number, context: SealContext): Buffer {
  // JSON of an array: unambiguous for any characters in the parts (no separator injection).
  const head = format === LEGACY_FORMAT ? [format, kid] : [format, kid, generation];
  return Buffer.from(JSON.stringify([...head, context.purpose, context.namespace, context.gatewayId, context.user]), 'utf8');
}

/** The parts of a sealed value, either format; undefined when it is neither. */
function partsOf(sealed: string): { format: string; kid: string; generation: number; iv: string; ciphertext: string; tag: string } | undefined {
  const parts = sealed.split('.');
  if (parts.length === 5 && parts[0] === LEGACY_FORMAT) {
    const [format, kid, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    return { format, kid, generation: 0, iv, ciphertext, tag };
  }
  if (parts.length === 6 && parts[0] === FORMAT && /^(0|[1-9][0-9]{0,14})$/.test(parts[2]!)) {
    const [format, kid, generation, iv, ciphertext, tag] = parts as [string, string, string, string, string, string];
    return { format, kid, generation: Number(generation), iv, ciphertext, tag };
  }
  return undefined;
}

/**
 * Encrypts `plaintext` with the keyring's active key as generation `generation` (default 0) of its record.
 *
 * @example
 *   const sealed = seal(keyring, Buffer.from(json), { namespace, gatewayId, user, purpose: 'tokens' }, 7);
 */
export function seal(keyring: Keyring, plaintext: Uint8Array, context: SealContext, generation = 0): string {
  if (!Number.isSafeInteger(generation) || generation < 0) throw new RangeError(`seal: generation must be a non-negative integer, got ${generation}`);
  const { kid, key } = keyring.active;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadFor(FORMAT, kid, generation, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, kid, String(generation), iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
}

/** The key id a sealed value names, without opening it (for lazy re-sealing decisions). */
export function sealedKid(sealed: string): string | undefined {
  return partsOf(sealed)?.kid;
}

/**
 * The generation a sealed value names (0 for the first format), without opening it. Authentic only
 * once {@link open} has succeeded on the same value.
 */
export function sealedGeneration(sealed: string): number | undefined {
  return partsOf(sealed)?.generation;
}

/**
 * Decrypts and authenticates a value produced by {@link seal}. Throws `ERR_VAULT_RECORD_MALFORMED`
 * when the format is wrong, `ERR_VAULT_UNKNOWN_KID` when the keyring lacks the key, and
 * `ERR_VAULT_DECRYPT` when authentication fails (tampering, wrong key, or wrong context).
 * `where` names the record in error messages (never the content).
 */
export function open(keyring: Keyring, sealed: string, context: SealContext, where: string): Buffer {
  const parsed = partsOf(sealed);
  if (parsed === undefined) {
    const parts = sealed.split('.');
    throw new VaultError(
      'ERR_VAULT_RECORD_MALFORMED',
      `token record ${where}: expected "${FORMAT}.<kid>.<generation>.<iv>.<ciphertext>.<tag>" (or "${LEGACY_FORMAT}.<kid>.<iv>.<ciphertext>.<tag>"), got ${parts.length} parts` +
        (parts[0] === FORMAT || parts[0] === LEGACY_FORMAT ? '' : ` with an unknown format tag`),
    );
  }
  const { format, kid, generation, iv: ivText, ciphertext: ciphertextText, tag: tagText } = parsed;
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
    const decipher = createDecipheriv(ALGORITHM, keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(format, kid, generation, context));
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
