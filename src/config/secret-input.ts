import { readFile } from 'node:fs/promises';

/**
 * A secret from a file (trimmed; Kubernetes mounts Secret keys as files) or, when no file is
 * given, `fromEnv` (the environment variable's value, already read by config/env.ts). Throws naming
 * the flag, never the value.
 */
export async function secretInput(file: string | undefined, fromEnv: string | undefined, flag: string): Promise<string | undefined> {
  if (file === undefined) return fromEnv;
  const value = (
    await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${flag}: cannot read ${file} (${err.code ?? err.message})`);
    })
  ).trim();
  if (!value) throw new Error(`${flag}: ${file} is empty`);
  return value;
}
