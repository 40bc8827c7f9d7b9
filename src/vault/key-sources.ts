/**
 * Where the keyring comes from: a 0600 file in dev (created when missing), a Kubernetes Secret
 * in-cluster (never created by the proxy: losing it would orphan every record, so it is installed
 * and rotated by the platform team).
 */
import { chmod, mkdir, open as openFile, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { VaultError } from './errors.ts';
import { Keyring } from './keyring.ts';

/** The Secret data key that holds the keyring document. */
export const KEYRING_SECRET_KEY = 'keys.json';

/**
 * Loads the keyring file at `path`, creating it (mode 0600, one fresh key) when it does not exist.
 * Refuses a file that group or others can read (`ERR_VAULT_KEY_FILE_MODE`).
 *
 * @param options.create create when missing. Defaults to true.
 */
export async function loadKeyringFile(path: string, options: { create?: boolean } = {}): Promise<Keyring> {
  let text: string;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new VaultError(
        'ERR_VAULT_KEY_FILE_MODE',
        `key file ${path} has mode ${(info.mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${path})`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof VaultError) throw error;
      throw new VaultError('ERR_VAULT_BACKEND', `cannot read key file ${path}`, { cause: error });
    }
    if (options.create === false) {
      throw new VaultError('ERR_VAULT_KEY_MISSING', `key file ${path} does not exist`);
    }
    const keyring = Keyring.generate();
    await writeKeyringFile(path, keyring, { exclusive: true });
    // Another process may have won the race to create it: read what is there now.
    return loadKeyringFile(path, { create: false });
  }
  return Keyring.parse(text, `file ${path}`);
}

/**
 * Writes `keyring` to `path` with mode 0600, atomically (temp file + rename). With `exclusive`, an
 * existing file is left alone.
 */
export async function writeKeyringFile(path: string, keyring: Keyring, options: { exclusive?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (options.exclusive) {
    try {
      const handle = await openFile(path, 'wx', 0o600);
      await handle.writeFile(keyring.serialize());
      await handle.sync();
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return;
  }
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await openFile(temp, 'w', 0o600);
  await handle.writeFile(keyring.serialize());
  await handle.sync();
  await handle.close();
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/** Adds a fresh active key to the key file (old keys stay, so existing records keep opening). */
export async function rotateKeyringFile(path: string): Promise<Keyring> {
  const rotated = (await loadKeyringFile(path, { create: false })).rotated();
  await writeKeyringFile(path, rotated);
  return rotated;
}

/**
 * Reads the keyring from the Secret `namespace/name`, data key `keys.json`.
 * Missing Secret or entry → `ERR_VAULT_KEY_MISSING` naming both.
 */
export async function loadKeyringSecret(kube: KubeClient, namespace: string, name: string): Promise<Keyring> {
  const where = `Secret ${namespace}/${name}`;
  let data: Record<string, string> | undefined;
  try {
    data = (await kube.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`)).data;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      throw new VaultError('ERR_VAULT_KEY_MISSING', `${where} does not exist; create it with a "${KEYRING_SECRET_KEY}" entry (see docs/oauth.md)`);
    }
    throw new VaultError('ERR_VAULT_BACKEND', `cannot read ${where}`, { cause: redactedCause(error) });
  }
  const encoded = data?.[KEYRING_SECRET_KEY];
  if (encoded === undefined) {
    throw new VaultError('ERR_VAULT_KEY_MISSING', `${where} has no "${KEYRING_SECRET_KEY}" entry`);
  }
  return Keyring.parse(Buffer.from(encoded, 'base64').toString('utf8'), `${where} key ${KEYRING_SECRET_KEY}`);
}

/** Kubernetes API errors carry the response body, which for Secrets may hold key material: keep only status and reason. */
export function redactedCause(error: unknown): Error {
  if (error instanceof KubeApiError) return new Error(error.status === 0 ? `Kubernetes API unreachable (${error.reason})` : `Kubernetes API answered HTTP ${error.status} ${error.reason}`);
  return new Error(String((error as Error)?.name ?? 'error'));
}
