/**
 * File backend (dev, `mcp-gitops dev`): one JSON file per (namespace, gateway, user hash) under
 * `<dataDir>/tokens/<namespace>/<gatewayId>/<userHash>.json`, mode 0600. Writes are atomic
 * (temp file + rename). Compare-and-swap uses a version counter inside the file and an exclusive
 * lock file (`O_EXCL`) around read-compare-write, so several processes sharing the directory are safe.
 */
import { mkdir, open as openFile, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { VaultConflictError, VaultError } from './errors.ts';
import type { ListPage, RecordLocation, RecordPage, RecordStore, SealedRecord, VersionedRecord } from './record-store.ts';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,252}$/;
/** A lock file older than this is from a crashed writer and is broken. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 15_000;

const FileRecord = z.object({
  format: z.literal(1),
  version: z.number().int().nonnegative(),
  tokens: z.string(),
  subject: z.string(),
  state: z.enum(['active', 'reconnect-needed', 'document']),
  lease: z.object({ holder: z.string(), expiresAt: z.number() }).optional(),
});

export interface FileRecordStoreOptions {
  /** The data directory; records go under `<dataDir>/tokens/`. */
  dataDir: string;
}

export class FileRecordStore implements RecordStore {
  readonly #root: string;

  constructor(options: FileRecordStoreOptions) {
    this.#root = join(options.dataDir, 'tokens');
  }

  describe(location: RecordLocation): string {
    return this.#path(location);
  }

  async read(location: RecordLocation): Promise<VersionedRecord | undefined> {
    return this.#readFile(this.#path(location));
  }

  async write(location: RecordLocation, record: SealedRecord, expectedVersion: string | null | undefined): Promise<string> {
    const path = this.#path(location);
    await mkdir(join(this.#root, location.namespace, location.gatewayId), { recursive: true, mode: 0o700 });
    return this.#withLock(path, async () => {
      const current = await this.#readFile(path);
      if (expectedVersion === null && current !== undefined) throw new VaultConflictError(path);
      if (typeof expectedVersion === 'string' && current?.version !== expectedVersion) throw new VaultConflictError(path);
      const version = current === undefined ? 1 : Number(current.version) + 1;
      const body: z.infer<typeof FileRecord> = { format: 1, version, ...record };
      const temp = `${path}.${process.pid}.${version}.tmp`;
      const handle = await openFile(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(body)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      return String(version);
    });
  }

  async remove(location: RecordLocation): Promise<boolean> {
    const path = this.#path(location);
    return this.#withLock(path, async () => {
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw new VaultError('ERR_VAULT_BACKEND', `cannot delete ${path}`, { cause: error });
      }
    });
  }

  async list(namespace: string, gatewayId: string, page: ListPage): Promise<RecordPage> {
    const dir = join(this.#root, checkSegment(namespace, 'namespace'), checkSegment(gatewayId, 'gatewayId'));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { items: [] };
      throw new VaultError('ERR_VAULT_BACKEND', `cannot list ${dir}`, { cause: error });
    }
    // The continue token is the last file name of the previous page (names are sorted).
    const after = page.continue;
    const files = names.filter((n) => n.endsWith('.json') && (after === undefined || n > after)).sort();
    const taken = files.slice(0, page.limit);
    const items: RecordPage['items'] = [];
    for (const name of taken) {
      const location = { namespace, gatewayId, userHash: name.slice(0, -'.json'.length) };
      const record = await this.#readFile(join(dir, name));
      if (record !== undefined) items.push({ location, record });
    }
    return files.length > taken.length ? { items, continue: taken.at(-1)! } : { items };
  }

  #path(location: RecordLocation): string {
    return join(
      this.#root,
      checkSegment(location.namespace, 'namespace'),
      checkSegment(location.gatewayId, 'gatewayId'),
      `${checkSegment(location.userHash, 'userHash')}.json`,
    );
  }

  async #readFile(path: string): Promise<VersionedRecord | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new VaultError('ERR_VAULT_BACKEND', `cannot read ${path}`, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new VaultError('ERR_VAULT_RECORD_MALFORMED', `token record ${path} is not valid JSON`);
    }
    const parsed = FileRecord.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VaultError('ERR_VAULT_RECORD_MALFORMED', `token record ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    const { format: _format, version, ...rest } = parsed.data;
    return { ...rest, version: String(version) };
  }

  async #withLock<T>(path: string, body: () => Promise<T>): Promise<T> {
    const lock = `${path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await openFile(lock, 'wx', 0o600);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
          continue;
        }
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new VaultError('ERR_VAULT_BACKEND', `cannot lock ${path}`, { cause: error });
        }
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await rm(lock, { force: true });
        if (Date.now() > deadline) throw new VaultError('ERR_VAULT_BACKEND', `lock file ${lock} held for over ${LOCK_WAIT_MS} ms`);
        await sleep(Math.min(2 + attempt * 2, 25));
      }
    }
    try {
      return await body();
    } finally {
      await rm(lock, { force: true });
    }
  }
}

function checkSegment(value: string, field: string): string {
  if (!SEGMENT.test(value) || value === '.' || value === '..') {
    throw new VaultError('ERR_VAULT_BACKEND', `${field} "${value}" cannot be used as a file name (allowed: A-Z a-z 0-9 . _ -)`);
  }
  return value;
}
