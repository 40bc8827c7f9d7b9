/**
 * The `dev` mode's desired state: every McpGateway, VirtualServer and Secret in the YAML files of a
 * directory, re-read when a file changes.
 *
 * Contract: a file that fails to load (YAML syntax, schema, a duplicate object) is reported with
 * its problems, and the objects it held at its last good load keep serving, so a half-typed edit
 * never takes tools away. Deleting a file removes its objects.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { loadManifestFile, type LoadedFile } from '../api/manifests.ts';
import type { McpGateway, VirtualServer } from '../api/index.ts';
import type { Problem } from '../api/problems.ts';

/** What the directory holds right now (last good content of each file). */
export interface DevSnapshot {
  readonly gateways: readonly McpGateway[];
  readonly servers: readonly VirtualServer[];
  /** Secret data by `namespace/name`, values decoded. */
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** A file that failed to load on this pass, with what is wrong (path relative to the directory). */
export interface FileProblems {
  readonly file: string;
  readonly problems: readonly Problem[];
  /** True when an earlier good version of the file keeps serving. */
  readonly keptLastGood: boolean;
}

export interface DirectorySourceOptions {
  /** Called after the initial load and after every change, with the snapshot and this pass's problems. */
  onChange(snapshot: DevSnapshot, problems: readonly FileProblems[]): void | Promise<void>;
  /** Coalesces bursts of file events (editors write several times). Defaults to 150 ms. */
  debounceMs?: number;
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && ['.yaml', '.yml'].includes(extname(e.name)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Watches `dir` and feeds `onChange`. `close()` stops watching. */
export class DirectorySource {
  readonly #dir: string;
  readonly #options: DirectorySourceOptions;
  readonly #lastGood = new Map<string, LoadedFile>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(dir: string, options: DirectorySourceOptions) {
    this.#dir = dir;
    this.#options = options;
  }

  /** Loads the directory once, calls `onChange`, then starts watching. */
  async start(): Promise<void> {
    await this.#reload();
    this.#watcher = watch(this.#dir, { recursive: true }, () => this.#schedule());
  }

  close(): Promise<void> {
    this.#watcher?.close();
    clearTimeout(this.#timer);
    return this.#running;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#running.then(() => this.#reload()).catch((err: unknown) => {
        console.error(`dev: reloading ${this.#dir} failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }, this.#options.debounceMs ?? 150);
  }

  async #reload(): Promise<void> {
    const files = await yamlFiles(this.#dir);
    const problems: FileProblems[] = [];
    for (const gone of [...this.#lastGood.keys()].filter((f) => !files.includes(f))) this.#lastGood.delete(gone);
    for (const file of files) {
      const loaded = await loadManifestFile(file);
      const name = relative(this.#dir, file) || file;
      if (loaded.problems.length === 0) this.#lastGood.set(file, loaded);
      else problems.push({ file: name, problems: loaded.problems, keptLastGood: this.#lastGood.has(file) });
    }
    const snapshot = this.#snapshot(problems);
    await this.#options.onChange(snapshot, problems);
  }

  /** Merges the last good files in name order; a second object with the same kind/namespace/name is a problem of its file. */
  #snapshot(problems: FileProblems[]): DevSnapshot {
    const seen = new Map<string, string>();
    const gateways: McpGateway[] = [];
    const servers: VirtualServer[] = [];
    const secrets = new Map<string, Record<string, string>>();
    for (const [file, loaded] of this.#lastGood) {
      const name = relative(this.#dir, file) || file;
      for (const doc of loaded.resources) {
        const r = doc.resource;
        const key = `${r.kind}/${r.metadata.namespace ?? 'default'}/${r.metadata.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
          problems.push({
            file: name,
            keptLastGood: false,
            problems: [{ path: 'metadata.name', where: doc.where, message: `${key} is already defined in ${first}; this copy is ignored` }],
          });
          continue;
        }
        seen.set(key, name);
        if (r.kind === 'McpGateway') gateways.push(r);
        else servers.push(r);
      }
      for (const s of loaded.secrets) secrets.set(`${s.namespace}/${s.name}`, s.data);
    }
    return { gateways, servers, secrets };
  }
}
