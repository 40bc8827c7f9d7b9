/**
 * Reads a V8 heap snapshot (`.heapsnapshot`, as `--heapsnapshot-signal` writes it: after a full GC,
 * so only what is reachable) and says what holds the memory:
 *
 * - by owner: every node is charged to its nearest dominator that is an instance of a named class
 *   (not Object/Array/Map/…), labelled with that class and the field through which it holds the
 *   chain (`TargetSync.#desired`, `Reflector.#store`) — the retained memory of each field of ours;
 * - by constructor: count and self size per node type and constructor name;
 * - duplicated strings: the same content held in many string objects (what interning would save).
 *
 * `diffSummaries(idle, converged, objects)` turns two summaries into cost per managed object.
 *
 *   node test/bench/operator-heap-summary.ts <snapshot> [<idle snapshot> <objects>]
 *   OWNERS='Reflector.#store,TargetSync.#desired' node … — also what those fields hold, by the edge to each node
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface SummaryRow {
  label: string;
  count: number;
  bytes: number;
}

export interface HeapSummary {
  /** Self size of every node reachable from the root. */
  totalBytes: number;
  nodes: number;
  byOwner: SummaryRow[];
  byConstructor: SummaryRow[];
  /** Strings whose content appears in more than one string object: copies beyond the first. */
  duplicateStrings: SummaryRow[];
  /** Within each owner field: by the edge its dominator holds a node through, and the node's kind (`message → (string)`). */
  insideOwner: Map<string, SummaryRow[]>;
}

/** Constructors that are containers, not owners: memory in them is charged to whoever holds them. */
const GENERIC = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Function', 'system / Context', '(object elements)', '(object properties)', 'Error']);

export function summarizeSnapshot(path: string): HeapSummary {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const meta = s.snapshot.meta;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf('type');
  const nName = meta.node_fields.indexOf('name');
  const nSize = meta.node_fields.indexOf('self_size');
  const nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const WEAK = edgeTypes.indexOf('weak');
  const SHORTCUT = edgeTypes.indexOf('shortcut');
  const ELEMENT = edgeTypes.indexOf('element');
  const HIDDEN = edgeTypes.indexOf('hidden');
  const { nodes, edges, strings } = s;
  const n = nodes.length / NF;

  const firstEdge = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) firstEdge[i + 1] = firstEdge[i]! + nodes[i * NF + nEdges]! * EF;
  const strong = (e: number): boolean => edges[e + eType] !== WEAK && edges[e + eType] !== SHORTCUT;

  // Retainers (reverse strong edges), CSR.
  const retCount = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) if (strong(e)) retCount[edges[e + eTo]! / NF + 1]!++;
  for (let i = 0; i < n; i++) retCount[i + 1]! += retCount[i]!;
  const retainers = new Uint32Array(retCount[n]!);
  const fill = retCount.slice();
  for (let i = 0; i < n; i++) for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) if (strong(e)) retainers[fill[edges[e + eTo]! / NF]!++] = i;

  // Post-order from the root (node 0), iterative.
  const NONE = 0xffffffff;
  const post = new Uint32Array(n).fill(NONE);
  const order: number[] = [];
  const visited = new Uint8Array(n);
  const stack: number[] = [0];
  const cursor = new Uint32Array(n);
  visited[0] = 1;
  cursor[0] = firstEdge[0]!;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    let pushed = false;
    while (cursor[v]! < firstEdge[v + 1]!) {
      const e = cursor[v]!;
      cursor[v] = e + EF;
      if (!strong(e)) continue;
      const w = edges[e + eTo]! / NF;
      if (visited[w]) continue;
      visited[w] = 1;
      cursor[w] = firstEdge[w]!;
      stack.push(w);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
  const m = order.length;

  // Dominators (Cooper, Harvey, Kennedy), on post-order indices.
  const dom = new Uint32Array(m).fill(NONE);
  dom[m - 1] = m - 1;
  for (let changed = true; changed; ) {
    changed = false;
    for (let p = m - 2; p >= 0; p--) {
      const v = order[p]!;
      let idom = NONE;
      for (let r = retCount[v]!; r < retCount[v + 1]!; r++) {
        let q = post[retainers[r]!]!;
        if (q === NONE || dom[q] === NONE) continue;
        if (idom === NONE) {
          idom = q;
          continue;
        }
        let f = idom;
        while (f !== q) {
          while (f < q) f = dom[f]!;
          while (q < f) q = dom[q]!;
        }
        idom = f;
      }
      if (idom !== NONE && dom[p] !== idom) {
        dom[p] = idom;
        changed = true;
      }
    }
  }

  const typeOf = (v: number) => nodeTypes[nodes[v * NF + nType]!]!;
  const nameOf = (v: number) => strings[nodes[v * NF + nName]!]!;
  const sizeOf = (v: number) => nodes[v * NF + nSize]!;
  const isOwner = (v: number) => typeOf(v) === 'object' && !GENERIC.has(nameOf(v)) && !nameOf(v).startsWith('system /');
  /** The name of the edge from `from` to `to`, if a direct one exists. */
  const edgeName = (from: number, to: number): string => {
    for (let e = firstEdge[from]!; e < firstEdge[from + 1]!; e += EF) {
      if (edges[e + eTo]! / NF !== to) continue;
      const t = edges[e + eType]!;
      return t === ELEMENT || t === HIDDEN ? `[${edges[e + eName]}]` : String(strings[edges[e + eName]!]);
    }
    return '(indirect)';
  };

  /** What a node the root dominates directly is grouped under: its type, and the constructor of an object or closure. */
  const rootLabel = (v: number): string => {
    const type = typeOf(v);
    return type === 'object' || type === 'closure' ? `(root) ${type} ${nameOf(v)}` : `(root) ${type}`;
  };

  // Label of each node: its nearest owning dominator and the field that leads to it; top-down.
  const label: string[] = new Array<string>(m);
  label[m - 1] = '(root)';
  for (let p = m - 2; p >= 0; p--) {
    const v = order[p]!;
    const d = dom[p]!;
    if (d === NONE) continue;
    const dv = order[d]!;
    label[p] = isOwner(dv) ? `${nameOf(dv)}.${edgeName(dv, v)}` : d === m - 1 ? rootLabel(v) : label[d]!;
  }

  const byOwner = new Map<string, SummaryRow>();
  const byCtor = new Map<string, SummaryRow>();
  const strCopies = new Map<string, SummaryRow>();
  const inside = new Map<string, Map<string, SummaryRow>>();
  let totalBytes = 0;
  const add = (map: Map<string, SummaryRow>, key: string, bytes: number) => {
    const row = map.get(key) ?? { label: key, count: 0, bytes: 0 };
    row.count++;
    row.bytes += bytes;
    map.set(key, row);
  };
  for (let p = 0; p < m - 1; p++) {
    const v = order[p]!;
    const size = sizeOf(v);
    totalBytes += size;
    const type = typeOf(v);
    const ctor = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' ? `${type} ${nameOf(v)}` : `(${type})`;
    if (label[p] !== undefined) {
      add(byOwner, label[p]!, size);
      let rows = inside.get(label[p]!);
      if (!rows) inside.set(label[p]!, (rows = new Map()));
      const via = edgeName(order[dom[p]!]!, v).replace(/^\[?\d+\]?$/, '[i]');
      add(rows, `${via} → ${ctor}`, size);
    }
    add(byCtor, ctor, size);
    if (type === 'string') add(strCopies, nameOf(v), size);
  }
  const duplicateStrings = [...strCopies.values()]
    .filter((r) => r.count > 1)
    .map((r) => ({ label: JSON.stringify(r.label.slice(0, 60)), count: r.count - 1, bytes: Math.round((r.bytes * (r.count - 1)) / r.count) }));
  const sortRows = (rows: Iterable<SummaryRow>) => [...rows].sort((a, b) => b.bytes - a.bytes);
  const insideOwner = new Map([...inside].map(([k, rows]) => [k, sortRows(rows.values())]));
  return { totalBytes, nodes: m, byOwner: sortRows(byOwner.values()), byConstructor: sortRows(byCtor.values()), duplicateStrings: sortRows(duplicateStrings), insideOwner };
}

/** Per-row growth from `idle` to `converged`, per managed object (`objects`), largest first. */
export function diffSummaries(idle: SummaryRow[], converged: SummaryRow[], objects: number): { label: string; perObject: number; count: number }[] {
  const before = new Map(idle.map((r) => [r.label, r]));
  return converged
    .map((r) => ({ label: r.label, perObject: (r.bytes - (before.get(r.label)?.bytes ?? 0)) / objects, count: (r.count - (before.get(r.label)?.count ?? 0)) / objects }))
    .sort((a, b) => b.perObject - a.perObject);
}

/** A table of the largest rows (bytes per object when `objects` is given). */
export function formatRows(title: string, rows: { label: string; perObject?: number; bytes?: number; count: number }[], limit = 25): string {
  const lines = [`\n${title}\n`, '| bytes | count | what |', '|---:|---:|---|'];
  for (const r of rows.slice(0, limit)) lines.push(`| ${Math.round(r.perObject ?? r.bytes ?? 0)} | ${Number.isInteger(r.count) ? r.count : r.count.toFixed(2)} | ${r.label.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, baseFile, objects] = process.argv.slice(2);
  if (!file) throw new Error('usage: operator-heap-summary.ts <snapshot> [<idle snapshot> <objects>]');
  const after = summarizeSnapshot(file);
  console.log(`${file}: ${(after.totalBytes / 1024 / 1024).toFixed(1)} MiB in ${after.nodes} nodes`);
  if (baseFile && objects) {
    const idle = summarizeSnapshot(baseFile);
    const n = Number(objects);
    console.log(`per object: ${((after.totalBytes - idle.totalBytes) / n).toFixed(0)} bytes`);
    console.log(formatRows('retained per object, by owner field', diffSummaries(idle.byOwner, after.byOwner, n)));
    console.log(formatRows('self size per object, by constructor', diffSummaries(idle.byConstructor, after.byConstructor, n)));
    console.log(formatRows('duplicated strings (copies beyond the first)', after.duplicateStrings));
    for (const owner of (process.env.OWNERS ?? '').split(',').filter(Boolean)) {
      console.log(formatRows(`inside ${owner}, per object`, diffSummaries(idle.insideOwner.get(owner) ?? [], after.insideOwner.get(owner) ?? [], n), 30));
    }
  } else {
    console.log(formatRows('retained, by owner field', after.byOwner));
    console.log(formatRows('self size, by constructor', after.byConstructor));
    console.log(formatRows('duplicated strings (copies beyond the first)', after.duplicateStrings));
  }
}
