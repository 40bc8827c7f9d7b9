// The import graph of a TypeScript source tree, read with the compiler's own pre-processor (no
// resolution of packages: only relative specifiers, which are the edges between our own files).
// Every kind of import counts: value, `import type`, `export … from`, and `import()`, because a
// type-only cycle still ties two modules into one unit a reader has to take in together.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** file (relative to root) → the files it imports (relative to root), sorted. */
export type ImportGraph = Map<string, string[]>;

export function importGraph(root: string): ImportGraph {
  const files = listSources(root);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveSource(root, file, fileName, known);
      // Outside the tree (../package.json) or not TypeScript: no edge between our modules.
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/**
 * The import cycles: each strongly connected component of more than one file (or a file that
 * imports itself), as its files sorted, and one concrete cycle through it for the message.
 */
export function importCycles(graph: ImportGraph): { files: string[]; example: string[] }[] {
  return stronglyConnected(graph)
    .filter((c) => c.length > 1 || (graph.get(c[0]!) ?? []).includes(c[0]!))
    .map((c) => ({ files: [...c].sort(), example: cycleThrough(graph, new Set(c), [...c].sort()[0]!) }))
    .sort((a, b) => a.files[0]!.localeCompare(b.files[0]!));
}

function listSources(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...listSources(root, path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function resolveSource(root: string, from: string, specifier: string, known: Set<string>): string | undefined {
  const base = relative(root, resolve(root, dirname(from), specifier));
  const stem = base.replace(/\.(js|ts)$/, '');
  return [base, `${stem}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
}

// Tarjan's algorithm, iterative so a deep chain cannot overflow the stack.
function stronglyConnected(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next); low.set(start, next); next++;
    stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!index.has(to)) {
          index.set(to, next); low.set(to, next); next++;
          stack.push(to); onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** A shortest path from `start` back to itself inside one component (breadth-first). */
function cycleThrough(graph: ImportGraph, within: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!within.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(to)) { previous.set(to, node); queue.push(to); }
    }
  }
  return [start];
}
