/**
 * Sealed session state: a small JSON value encrypted and authenticated (AES-256-GCM) with a key
 * every proxy replica holds, so that any replica can read the state a request carries — no shared
 * store, no affinity. Used for agent session ids (`Mcp-Session-Id`) and the connections page's
 * session cookie.
 *
 * Sealed form (one token, base64url without padding, visible ASCII as `Mcp-Session-Id` requires):
 *
 *     version (1 byte = 1) | key hint (4 bytes) | IV (12 bytes) | ciphertext | tag (16 bytes)
 *
 * The key hint is the first 4 bytes of SHA-256(key): it picks the key without trying each, and says
 * nothing about the key. The AAD is the version, the hint and the `purpose`, so a value sealed for one
 * purpose (an agent session) never opens as another (a page cookie).
 *
 * Keys: the first seals, all open (rotation: add the new key first, drop the old one after the
 * longest session lifetime). Confidentiality matters as much as integrity: the state names the user.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const VERSION = 1;
const HINT_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + HINT_BYTES + IV_BYTES;
/** Longest token opened (about 6 KiB of text); anything longer is refused before decoding. */
const MAX_SEALED_CHARS = 8192;

interface SealKey {
  hint: Buffer;
  /**
   * A KeyObject, made once: Node validates a raw Buffer key on every cipher it creates by first
   * trying it as a KeyObject (a thrown and caught error), which made each open of a session id
   * 4–8× dearer (33–68 µs against 7–8 µs, measured) — and every agent request opens one.
   */
  key: KeyObject;
}

export class SessionSealer {
  readonly #keys: SealKey[];

  /** @param keys 32-byte AES-256 keys; the first seals. Replicas serving the same agents must share them. */
  constructor(keys: readonly Uint8Array[]) {
    if (keys.length === 0) throw new Error('SessionSealer needs at least one key');
    this.#keys = keys.map((k) => {
      if (k.length !== 32) throw new Error(`a session sealing key is 32 bytes, got ${k.length}`);
      return { key: createSecretKey(Buffer.from(k)), hint: createHash('sha256').update(k).digest().subarray(0, HINT_BYTES) };
    });
  }

  /** A sealer with one random key: state it seals opens in this process only (tests, single-process dev). */
  static ephemeral(): SessionSealer {
    return new SessionSealer([randomBytes(32)]);
  }

  /** Seals `value` (JSON-serializable) for `purpose`. */
  seal(purpose: string, value: unknown): string {
    const { key, hint } = this.#keys[0]!;
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = VERSION;
    hint.copy(header, 1);
    randomBytes(IV_BYTES).copy(header, 1 + HINT_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, header.subarray(1 + HINT_BYTES), { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(header, purpose));
    const body = cipher.update(JSON.stringify(value), 'utf8');
    const final = cipher.final();
    return Buffer.concat([header, body, final, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * The value sealed for `purpose`, or undefined when `sealed` is malformed, sealed with a key this
   * sealer lacks, tampered with, or sealed for another purpose. Never throws: callers answer every
   * such case the same way (the session does not exist).
   */
  open(purpose: string, sealed: string | undefined): unknown {
    if (sealed === undefined || sealed.length > MAX_SEALED_CHARS) return undefined;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < HEADER_BYTES + TAG_BYTES || raw[0] !== VERSION) return undefined;
    const hint = raw.subarray(1, 1 + HINT_BYTES);
    const entry = this.#keys.find((k) => k.hint.equals(hint));
    if (!entry) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, raw.subarray(1 + HINT_BYTES, HEADER_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(raw.subarray(0, HEADER_BYTES), purpose));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
}

function aad(header: Buffer, purpose: string): Buffer {
  return Buffer.concat([header.subarray(0, 1 + HINT_BYTES), Buffer.from(`mcp-gitops.dev/${purpose}`, 'utf8')]);
}
