/**
 * A `v1` Secret read from a manifest, for the dev directory source (which stands in for the API
 * server's Secrets). Problems name the key, never the value.
 */
import { formatPath, type Problem } from './problems.ts';

/** A Secret's decoded data: `stringData` over base64-decoded `data`, as kube-apiserver merges them. */
export interface ManifestSecret {
  readonly name: string;
  readonly namespace: string;
  readonly data: Readonly<Record<string, string>>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY = /^[-._a-zA-Z0-9]+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a Secret document. Returns the secret, or the problems (field paths like `data.clientSecret`;
 * messages never include a value).
 */
export function parseSecret(doc: Record<string, unknown>): { secret?: ManifestSecret; problems: Problem[] } {
  const problems: Problem[] = [];
  const meta = isRecord(doc.metadata) ? doc.metadata : {};
  const name = meta.name;
  if (typeof name !== 'string' || name === '') problems.push({ path: 'metadata.name', message: 'is required' });
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const data: Record<string, string> = {};
  for (const field of ['data', 'stringData'] as const) {
    const section = doc[field];
    if (section === undefined || section === null) continue;
    if (!isRecord(section)) {
      problems.push({ path: field, message: 'must be a mapping of key to value' });
      continue;
    }
    for (const [key, value] of Object.entries(section)) {
      const path = formatPath([field, key]);
      if (!KEY.test(key)) problems.push({ path, message: 'key must consist of alphanumerics, "-", "_" or "."' });
      else if (typeof value !== 'string') problems.push({ path, message: 'value must be a string (quote numbers and booleans)' });
      else if (field === 'stringData') data[key] = value;
      else {
        const compact = value.replace(/\s+/g, '');
        if (compact.length % 4 !== 0 || !BASE64.test(compact)) problems.push({ path, message: 'value must be base64 (or move it to stringData)' });
        else data[key] = Buffer.from(compact, 'base64').toString('utf8');
      }
    }
  }
  if (problems.length > 0 || typeof name !== 'string') return { problems };
  return { secret: { name, namespace, data }, problems };
}
