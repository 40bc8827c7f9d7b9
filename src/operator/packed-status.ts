/**
 * A resource's `status` as the caches keep it: its JSON in one string, with the phrases every
 * status repeats (keys, reasons, condition types, the usual messages) replaced by one control
 * character each.
 *
 * Why: parsed, a converged McpGateway's status is ~1.4 KiB of objects and strings (five
 * conditions, each with its own copies of the same keys' values, messages and timestamps, and a
 * replica list). Its JSON is ~1 KiB; packed, ~200 bytes. At 20,000 objects: ~27 MiB → ~4 MiB.
 * Reading it back (once or twice per reconcile) is one pass of substitution and a `JSON.parse`.
 * Plain JavaScript on purpose: zlib with a preset dictionary packs tighter (~70 bytes) but each call
 * allocates native stream state and buffers, which at hundreds of calls a second cost more RSS than
 * the heap it saved (measured with test/bench/operator-heap.ts).
 *
 * A message that repeats an earlier one of the same status is kept once (`foldRepeats`).
 *
 * Lossless: `JSON.stringify` escapes every character below U+0020, so the control characters used
 * as tokens and references never occur in its output, and `unpackStatus(packStatus(s))` deep-equals `s`.
 */

/** At most 31 phrases (tokens U+0001–U+001F). Keys are in the order the API server writes them (sorted). */
const PHRASES = [
  ',"reason":"Succeeded","status":"True","type":"',
  'waiting for the first health check of the upstream',
  'registered; waiting for the first health check of the upstream',
  '],"resourceCount":0,"resourceTemplateCount":0,"toolCount":',
  ',"promptCount":0,"replicas":[{"endpoint":"',
  ' tools served by every ready proxy replica',
  'every proxy replica holds the current spec',
  '"endpoint":"/servers/',
  '{"lastTransitionTime":"',
  '","observedGeneration":',
  '],"observedGeneration":',
  '","ready":true,"synced":true}',
  'no credentials required',
  'the upstream answers',
  ' tools discovered',
  '"authorizedUsers":',
  '"conditions":[',
  '","message":"',
  ',"reason":"',
  '","status":"',
  '","type":"',
  'ReplicasNotSynced',
  'ToolsDiscovered',
  'ReplicasSynced',
  'ToolsResolved',
  'GatewaysReady',
  ' gateway Ready',
  ' tools served',
  'Progressing',
  'Reachable',
  '/mcp',
] as const;

if (PHRASES.length > 31) throw new Error('packed-status: at most 31 phrases');
const TOKEN_OF = new Map<string, string>(PHRASES.map((p, i) => [p, String.fromCharCode(i + 1)]));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Alternation tries phrases in list order at each position: longer ones that share a start come first. */
const PHRASE = new RegExp([...PHRASES].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
const TOKEN = /[\u0001-\u001f]/g;

/** A `"message"` value in the JSON, escapes included. */
const MESSAGE = /"message":"((?:[^"\\]|\\.)*)"/g;
/** Starts a message that repeats an earlier one of the same status: NUL (never raw in JSON), then its index. */
const REPEAT = '\u0000';

/**
 * A message equal to an earlier one of the same status becomes a reference to it. While a replica
 * fails, its error is in `Ready`, `Reconciling`, `ReplicasSynced` and `status.replicas` — four copies
 * of the same ~200 characters in every status (20,000 objects: ~12 MiB).
 */
function foldRepeats(json: string): string {
  const first = new Map<string, number>();
  let index = 0;
  return json.replace(MESSAGE, (whole, value: string) => {
    const n = index++;
    const earlier = first.get(value);
    if (earlier !== undefined) return `"message":"${REPEAT}${earlier}"`;
    if (value.length > 8) first.set(value, n);
    return whole;
  });
}

function unfoldRepeats(json: string): string {
  const values: string[] = [];
  return json.replace(MESSAGE, (whole, value: string) => {
    if (!value.startsWith(REPEAT)) {
      values.push(value);
      return whole;
    }
    const earlier = values[Number(value.slice(REPEAT.length))]!;
    values.push(earlier);
    return `"message":"${earlier}"`;
  });
}

export function packStatus(status: Record<string, unknown>): string {
  return foldRepeats(JSON.stringify(status)).replace(PHRASE, (p) => TOKEN_OF.get(p)!);
}

/** A fresh object on every call. */
export function unpackStatus(packed: string): Record<string, unknown> {
  return JSON.parse(unfoldRepeats(packed.replace(TOKEN, (t) => PHRASES[t.charCodeAt(0) - 1]!))) as Record<string, unknown>;
}
