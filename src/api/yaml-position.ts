/**
 * Finds where a field is in a YAML document, so a problem can say `file:line:col` of the field itself
 * (or of its nearest existing parent when the field is missing).
 */
import type { Document, LineCounter } from 'yaml';

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** `spec.tools[0].rename["a.b"]` → `['spec', 'tools', 0, 'rename', 'a.b']`. Inverse of `formatPath`. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/**
 * Position of the node at `path` (a dotted problem path) in `doc`, falling back to the deepest
 * existing ancestor, then the document start.
 */
export function positionOf(doc: Document, lines: LineCounter, path: string): Position {
  const segments = parsePath(path);
  for (let n = segments.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    // The value's start; for a missing field, its parent's (where the field would be added).
    if (range !== undefined) return lines.linePos(range[0]);
  }
  return { line: 1, col: 1 };
}
