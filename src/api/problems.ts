/**
 * A problem found in a resource: where it is and what is wrong, in words a user can act on.
 * Messages never contain the offending value (it may be a secret).
 */
import type { z } from 'zod';

/** One problem with one field. */
export interface Problem {
  /** Dotted field path from the document root, e.g. `spec.auth.oauth.tokenUrl`; `''` for the whole document. */
  readonly path: string;
  /** What is wrong, without the value. */
  readonly message: string;
  /** Where the object came from (a file and document, an object key), when the caller said. */
  readonly where?: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['spec', 'tools', 0, 'include']` → `spec.tools[0].include`; odd keys are quoted: `rename["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * Rewrites a zod issue into a problem. Zod's default messages are kept where they are already clear;
 * a missing field becomes "is required" and an unrecognized key becomes one "unknown field" problem
 * per key, at that key.
 */
export function problemsFromIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): Problem[] {
  const base = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      path: formatPath([...base, k]),
      message: 'unknown field (check the spelling; see docs/api.md or kubectl explain)',
    }));
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return [{ path: formatPath(base), message: `is required (${issue.expected})` }];
  }
  if (issue.code === 'invalid_union') {
    return [{ path: formatPath(base), message: 'does not match any accepted shape' }];
  }
  return [{ path: formatPath(base), message: issue.message }];
}

/** `gw.yaml#1: spec.url: must be an absolute http or https URL with a host` (where and path when known). */
export function formatProblem(p: Problem): string {
  const at = p.path === '' ? p.message : `${p.path}: ${p.message}`;
  return p.where === undefined ? at : `${p.where}: ${at}`;
}
