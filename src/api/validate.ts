/**
 * `mcp-gitops validate PATH…`: the offline check a GitOps CI pipeline runs before merging. It applies
 * the same schemas, defaults and cross-field rules as the CRDs, and reports every problem with its
 * file, line, column, document and field.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { loadManifestFile, type LoadedFile } from './manifests.ts';
import { formatProblem } from './problems.ts';

/** The outcome: `ok` is false when any problem was found; `lines` are ready to print. */
export interface ValidateResult {
  readonly ok: boolean;
  readonly lines: string[];
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

/** Files named directly, plus every *.yaml / *.yml under named directories (sorted, recursive). */
async function collectFiles(paths: readonly string[], errors: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      errors.push(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    if (info.isFile()) {
      files.push(path);
      continue;
    }
    const entries = await readdir(path, { recursive: true, withFileTypes: true });
    const found = entries
      .filter((e) => e.isFile() && YAML_EXTENSIONS.has(extname(e.name)))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    if (found.length === 0) errors.push(`${path}: no *.yaml or *.yml files found`);
    files.push(...found);
  }
  return [...new Set(files)];
}

/** Problems that need every file: the same object defined twice. */
function crossFileProblems(loaded: readonly LoadedFile[]): string[] {
  const lines: string[] = [];
  const seen = new Map<string, string>();
  for (const file of loaded) {
    for (const r of file.resources) {
      const key = `${r.kind} ${r.namespace}/${r.name}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, r.where);
      else lines.push(`${r.where}: metadata.name: ${key} is already defined at ${first}`);
    }
  }
  return lines;
}

/** Warnings that do not fail the check: a VirtualServer naming a gateway defined in none of the files. */
function referenceWarnings(loaded: readonly LoadedFile[]): string[] {
  const gateways = new Set<string>();
  for (const file of loaded) for (const r of file.resources) if (r.kind === 'McpGateway') gateways.add(`${r.namespace}/${r.name}`);
  const lines: string[] = [];
  for (const file of loaded) {
    for (const r of file.resources) {
      if (r.resource.kind !== 'VirtualServer') continue;
      const spec = r.resource.spec;
      for (const [field, selectors] of [['tools', spec.tools], ['resources', spec.resources], ['prompts', spec.prompts]] as const) {
        (selectors ?? []).forEach((sel, i) => {
          if (!gateways.has(`${r.namespace}/${sel.gateway}`)) {
            lines.push(`${r.where}: spec.${field}[${i}].gateway: warning: McpGateway ${r.namespace}/${sel.gateway} is not defined in the validated files`);
          }
        });
      }
    }
  }
  return lines;
}

/**
 * Validates manifests in `paths` (files, or directories searched recursively for *.yaml / *.yml).
 * Documents of other API groups are skipped and counted. Never throws for bad input.
 *
 * @example
 * const { ok, lines } = await validatePaths(['deploy/mcp']);
 * for (const line of lines) console.log(line);
 * process.exitCode = ok ? 0 : 1;
 */
export async function validatePaths(paths: string[]): Promise<ValidateResult> {
  const errors: string[] = [];
  const files = await collectFiles(paths, errors);
  const loaded = await Promise.all(files.map((f) => loadManifestFile(f)));
  for (const file of loaded) for (const p of file.problems) errors.push(formatProblem(p));
  errors.push(...crossFileProblems(loaded));
  const warnings = referenceWarnings(loaded);

  const count = (kind: string) => loaded.reduce((n, f) => n + f.resources.filter((r) => r.kind === kind).length, 0);
  const skipped = loaded.reduce((n, f) => n + f.skipped.length, 0);
  const secrets = loaded.reduce((n, f) => n + f.secrets.length, 0);
  const parts = [`${count('McpGateway')} McpGateway`, `${count('VirtualServer')} VirtualServer`];
  if (secrets > 0) parts.push(`${secrets} Secret`);
  if (skipped > 0) parts.push(`${skipped} other document${skipped === 1 ? '' : 's'} skipped`);
  const summary =
    `${errors.length === 0 ? 'ok' : 'invalid'}: ${files.length} file${files.length === 1 ? '' : 's'}, ${parts.join(', ')}; ` +
    `${errors.length} problem${errors.length === 1 ? '' : 's'}${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`;
  return { ok: errors.length === 0, lines: [...errors, ...warnings, summary] };
}
