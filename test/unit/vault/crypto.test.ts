import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring, open, seal, sealedGeneration, sealedKid, VaultError } from '../../../src/vault/index.ts';

const alice = { namespace: 'mcp', gatewayId: 'gw1', user: 'alice', purpose: 'tokens' };
const bob = { ...alice, user: 'bob' };
const secret = Buffer.from('{"accessToken":"at-SECRET-alice"}');

function expectCode(fn: () => unknown, code: string, messagePart?: string): VaultError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).code).toBe(code);
    if (messagePart) expect((error as VaultError).message).toContain(messagePart);
    expect((error as VaultError).message).not.toContain('SECRET');
    return error as VaultError;
  }
  throw new Error(`expected ${code}`);
}

describe('seal/open (AES-256-GCM)', () => {
  const keyring = Keyring.generate();

  it('round-trips and names the key id, never showing the plaintext', () => {
    const sealed = seal(keyring, secret, alice);
    expect(sealed).toMatch(/^v2\.k-[0-9]{8}-[0-9a-f]{6}\.0\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(sealed).not.toContain('SECRET');
    expect(sealedKid(sealed)).toBe(keyring.active.kid);
    expect(open(keyring, sealed, alice, 'r').toString()).toBe(secret.toString());
  });

  it('uses a fresh IV each time', () => {
    expect(seal(keyring, secret, alice)).not.toBe(seal(keyring, secret, alice));
  });

  it('refuses a ciphertext moved to another user (AAD binding)', () => {
    expectCode(() => open(keyring, seal(keyring, secret, alice), bob, 'bob-record'), 'ERR_VAULT_DECRYPT', 'bob-record');
  });

  it('refuses a ciphertext moved to another gateway or namespace', () => {
    const sealed = seal(keyring, secret, alice);
    expectCode(() => open(keyring, sealed, { ...alice, gatewayId: 'gw2' }, 'r'), 'ERR_VAULT_DECRYPT');
    expectCode(() => open(keyring, sealed, { ...alice, namespace: 'other' }, 'r'), 'ERR_VAULT_DECRYPT');
  });

  it('refuses tampered ciphertext, tag and IV', () => {
    const parts = seal(keyring, secret, alice).split('.');
    const flip = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64url');
    };
    for (const index of [3, 4, 5]) {
      const tampered = [...parts];
      tampered[index] = flip(tampered[index]!);
      expectCode(() => open(keyring, tampered.join('.'), alice, 'r'), 'ERR_VAULT_DECRYPT');
    }
  });

  it('refuses a truncated tag instead of accepting a short one', () => {
    const parts = seal(keyring, secret, alice).split('.');
    parts[5] = Buffer.from(parts[5]!, 'base64url').subarray(0, 4).toString('base64url');
    expectCode(() => open(keyring, parts.join('.'), alice, 'r'), 'ERR_VAULT_RECORD_MALFORMED', 'tag 16 bytes');
  });

  it('authenticates the generation: a record relabelled to another generation does not open', () => {
    const parts = seal(keyring, secret, alice, 7).split('.');
    expect(parts[2]).toBe('7');
    expect(open(keyring, parts.join('.'), alice, 'r').toString()).toBe(secret.toString());
    parts[2] = '8';
    expectCode(() => open(keyring, parts.join('.'), alice, 'r'), 'ERR_VAULT_DECRYPT');
  });

  it('still opens records of the first format (v1, no generation in the AAD) as generation 0', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyring.active.key, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(JSON.stringify(['v1', keyring.active.kid, 'tokens', 'mcp', 'gw1', 'alice'])));
    const ct = Buffer.concat([cipher.update(secret), cipher.final()]);
    const v1 = ['v1', keyring.active.kid, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    expect(open(keyring, v1, alice, 'r').toString()).toBe(secret.toString());
    expect(sealedGeneration(v1)).toBe(0);
    expectCode(() => open(keyring, v1, bob, 'r'), 'ERR_VAULT_DECRYPT');
  });

  it('refuses a record relabelled to another key id', () => {
    const other = keyring.rotated();
    const parts = seal(other, secret, alice).split('.');
    parts[1] = keyring.active.kid; // claim the old key
    expectCode(() => open(other, parts.join('.'), alice, 'r'), 'ERR_VAULT_DECRYPT');
  });

  it('names a missing key id and refuses a wrong key with the same id', () => {
    const sealed = seal(keyring, secret, alice);
    expectCode(() => open(Keyring.generate(), sealed, alice, 'r'), 'ERR_VAULT_UNKNOWN_KID', keyring.active.kid);
    const impostor = new Keyring([{ kid: keyring.active.kid, key: Buffer.alloc(32, 7) }], keyring.active.kid);
    expectCode(() => open(impostor, sealed, alice, 'r'), 'ERR_VAULT_DECRYPT');
  });

  it('refuses malformed records with a clear error', () => {
    expectCode(() => open(keyring, 'not-a-record', alice, 'file x'), 'ERR_VAULT_RECORD_MALFORMED', 'file x');
  });
});

describe('Keyring', () => {
  it('opens records of older keys after rotation and seals new ones with the new key', () => {
    const old = Keyring.generate();
    const sealed = seal(old, secret, alice);
    const rotated = old.rotated();
    expect(rotated.active.kid).not.toBe(old.active.kid);
    expect(open(rotated, sealed, alice, 'r').toString()).toBe(secret.toString());
    expect(sealedKid(seal(rotated, secret, alice))).toBe(rotated.active.kid);
  });

  it('round-trips its serialized form and names bad fields', () => {
    const keyring = Keyring.generate().rotated();
    const parsed = Keyring.parse(keyring.serialize(), 'test');
    expect(parsed.active.kid).toBe(keyring.active.kid);
    expect(parsed.kids().sort()).toEqual(keyring.kids().sort());
    expect(() => Keyring.parse('{"active":"k1","keys":{"k1":"c2hvcnQ"}}', 'file k.json')).toThrow(/file k.json.*"k1" is 5 bytes; AES-256 needs 32/);
    expect(() => Keyring.parse('{"active":"k2","keys":{}}', 'file k.json')).toThrow(/active key id "k2" is not among the keys/);
    expect(() => Keyring.parse('{"active":"bad id!","keys":{}}', 'file k.json')).toThrow(/active: a key id is/);
    expect(() => Keyring.parse('nope', 'file k.json')).toThrow(/not valid JSON/);
  });
});
