import { describe, expect, it } from 'vitest';
import { canonicalJson, specHash, stateDigest } from '../../../src/contract/digest.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }], u: undefined })).toBe('{"a":[true,{"c":"x","d":null}],"b":1}');
    expect(canonicalJson([undefined, 2])).toBe('[null,2]');
  });
});

describe('specHash', () => {
  it('is the same for the same content in any key order, whether or not the id travels in the body', () => {
    const a = { name: 'edge', url: 'http://x', oauth_config: { scopes: ['a'], client_id: 'c' } };
    const b = { oauth_config: { client_id: 'c', scopes: ['a'] }, url: 'http://x', name: 'edge', id: 'f'.repeat(32) };
    expect(specHash(a)).toBe(specHash(b));
    expect(specHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any content change, including array order', () => {
    expect(specHash({ scopes: ['a', 'b'] })).not.toBe(specHash({ scopes: ['b', 'a'] }));
    expect(specHash({ name: 'a' })).not.toBe(specHash({ name: 'b' }));
  });
});

describe('stateDigest', () => {
  it('does not depend on the order of entries, and depends on every entry', () => {
    const g = { kind: 'gateway' as const, id: 'a'.repeat(32), specHash: '1'.repeat(64) };
    const s = { kind: 'server' as const, id: 'b'.repeat(32), specHash: '2'.repeat(64) };
    expect(stateDigest([g, s])).toBe(stateDigest([s, g]));
    expect(stateDigest([g])).not.toBe(stateDigest([g, s]));
    expect(stateDigest([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
