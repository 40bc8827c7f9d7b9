/**
 * Loads multi-document YAML manifests: the mcp-gitops resources they hold (typed and defaulted),
 * the Secrets (for the dev directory source), and every problem, each naming the file, the line and
 * column, the document, the field and what is wrong. Used by `validate` and `mcp-gitops dev`.
 *
 * Documents of other API groups (Deployments, Argo CD Applications, NGINX's VirtualServer) are
 * skipped and counted, so a whole GitOps directory can be checked. A document in the
 * `mcp-gitops.dev` group that does not parse is a problem, never skipped.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { parseSecret, type ManifestSecret } from './manifest-secret.ts';
import { GROUP } from './names.ts';
import type { Problem } from './problems.ts';
import { isOwnKind, parseResource, type Resource } from './resources.ts';
import { positionOf } from './yaml-position.ts';

export type { ManifestSecret } from './manifest-secret.ts';

/** One mcp-gitops resource found in a file. */
export interface LoadedResource {
  readonly file: string;
  /** 0-based index of the document in the file. */
  readonly index: number;
  readonly kind: Resource['kind'];
  readonly name: string;
  /** `metadata.namespace`, or `default` when the manifest leaves it out. */
  readonly namespace: string;
  /** Where it is, for messages: `file:line:col (document N, Kind name)`. */
  readonly where: string;
  readonly resource: Resource;
}

/** A document that is not ours and was skipped. */
export interface SkippedDocument {
  readonly file: string;
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
}

/** Everything found in one file. `problems` is empty when the whole file is good. */
export interface LoadedFile {
  readonly file: string;
  readonly resources: readonly LoadedResource[];
  readonly secrets: readonly ManifestSecret[];
  readonly skipped: readonly SkippedDocument[];
  readonly problems: readonly Problem[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

function describeDoc(index: number, obj: Record<string, unknown>): string {
  const kind = typeof obj.kind === 'string' ? obj.kind : undefined;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : '';
  const what = kind === undefined ? '' : name === undefined ? `, ${kind}` : `, ${kind} ${ns}${name}`;
  return `document ${index + 1}${what}`;
}

/** Reads `path` and loads it with {@link loadManifestText}. An unreadable file is one problem. */
export async function loadManifestFile(path: string): Promise<LoadedFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    return { file: path, resources: [], secrets: [], skipped: [], problems: [{ path: '', where: path, message: `cannot read the file (${code})` }] };
  }
  return loadManifestText(text, path);
}

/**
 * Loads every document of `text`; `file` names it in messages. Good documents are returned even
 * when others in the same file have problems.
 *
 * @example
 * const { resources, problems } = loadManifestText(yamlText, 'gw.yaml');
 * for (const p of problems) console.error(formatProblem(p)); // gw.yaml:7:10 (document 1, McpGateway mcp/rovo): spec.url: …
 */
export function loadManifestText(text: string, file: string): LoadedFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const resources: LoadedResource[] = [];
  const secrets: ManifestSecret[] = [];
  const skipped: SkippedDocument[] = [];
  const problems: Problem[] = [];
  // An empty stream (only comments) is an empty array: nothing to load.
  docs.forEach((doc: Document, index) => {
    const at = (path: string) => {
      const { line, col } = positionOf(doc, lines, path);
      return `${file}:${line}:${col}`;
    };
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = lines.linePos(err.pos[0]);
        const where = `${file}:${pos.line}:${pos.col}`;
        problems.push({ path: '', where: `${where} (document ${index + 1})`, message: `YAML syntax error: ${err.message}` });
      }
      return;
    }
    if (doc.contents === null) return; // an empty document, e.g. after a trailing ---
    const obj: unknown = doc.toJS({ maxAliasCount: 100 });
    if (obj === null || obj === undefined) return;
    if (!isRecord(obj)) {
      problems.push({ path: '', where: `${at('')} (document ${index + 1})`, message: 'must be a mapping with apiVersion and kind' });
      return;
    }
    const label = describeDoc(index, obj);
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    if (apiVersion === '' || kind === '') {
      const missing = apiVersion === '' ? 'apiVersion' : 'kind';
      problems.push({ path: missing, where: `${at('')} (${label})`, message: 'is required: every document must say what it is' });
      return;
    }
    const group = groupOf(apiVersion);
    const looksOurs = group === GROUP || (isOwnKind(kind) && group.includes('mcp-gitops'));
    if (looksOurs) {
      if (!isOwnKind(kind)) {
        problems.push({ path: 'kind', where: `${at('kind')} (${label})`, message: `unknown kind in ${GROUP}: use McpGateway or VirtualServer` });
        return;
      }
      const result = parseResource(obj);
      if (!result.ok) {
        for (const p of result.problems) problems.push({ ...p, where: `${at(p.path)} (${label})` });
        return;
      }
      const r = result.resource;
      resources.push({
        file,
        index,
        kind: r.kind,
        name: r.metadata.name,
        namespace: r.metadata.namespace ?? 'default',
        where: `${at('')} (${label})`,
        resource: r,
      });
      return;
    }
    if (apiVersion === 'v1' && kind === 'Secret') {
      const { secret, problems: secretProblems } = parseSecret(obj);
      for (const p of secretProblems) problems.push({ ...p, where: `${at(p.path)} (${label})` });
      if (secret !== undefined) secrets.push(secret);
      return;
    }
    skipped.push({ file, index, apiVersion, kind });
  });
  return { file, resources, secrets, skipped, problems };
}
