/**
 * Canonical hashing of admin bodies, shared by the proxy and its callers so both compute the same
 * `specHash` for the same desired body without reading anything back.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted (code-point order) and no whitespace. `undefined` members are
 * dropped and non-finite numbers become `null`, exactly as `JSON.stringify` does.
 *
 * @example canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] }) // '{"a":[true,{"c":"x","d":null}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortKeys((value as { toJSON(): unknown }).toJSON());
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function') out[key] = sortKeys(v);
  }
  return out;
}

/**
 * `sha256(canonicalJson(body without its top-level "id"))`, lowercase hex. The body is the JSON the
 * caller sent (for `POST /servers`, the inner `server`). The `id` is left out because it is the
 * registration's key, not its content: a body hashes the same whether the id travels in the path
 * or in the body.
 */
export function specHash(body: unknown): string {
  let content = body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'id' in body) {
    const { id: _id, ...rest } = body as Record<string, unknown>;
    content = rest;
  }
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** One stored registration, as it enters the state digest. */
export interface DigestEntry {
  kind: 'gateway' | 'server';
  id: string;
  specHash: string;
}

/**
 * sha256 over the sorted lines `<kind>/<id>/<specHash>` joined with `\n` — the same for the same
 * set of registrations regardless of order. The empty set hashes the empty string.
 */
export function stateDigest(entries: Iterable<DigestEntry>): string {
  const lines = Array.from(entries, (e) => `${e.kind}/${e.id}/${e.specHash}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
