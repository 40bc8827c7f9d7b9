import { readFile } from 'node:fs/promises';

/**
 * A secret from a file (trimmed; Kubernetes mounts Secret keys as files) or, when no file is
 * given, from the environment variable `env`. Throws naming the flag and the variable, never the value.
 */
export async function secretInput(file: string | undefined, env: string, flag: string): Promise<string | undefined> {
  if (file !== undefined) {
    const value = (await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${flag}: cannot read ${file} (${err.code ?? err.message})`);
    })).trim();
    if (!value) throw new Error(`${flag}: ${file} is empty`);
    return value;
  }
  const value = process.env[env]?.trim();
  return value ? value : undefined;
}
