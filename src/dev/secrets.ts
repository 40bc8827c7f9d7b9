/**
 * The dev mode's own secrets, created on first run under the data directory with mode 0600 and
 * reused afterwards: the admin token and the agent HS256 secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

async function readOrCreate(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const value = randomBytes(32).toString('base64url');
    await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  }
}

export interface DevSecrets {
  adminToken: string;
  agentSecret: string;
  /** File holding the agent secret, for `mcp-gitops token --secret-file`. */
  agentSecretFile: string;
}

export async function devSecrets(dataDir: string): Promise<DevSecrets> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const agentSecretFile = join(dataDir, 'agent-hs256.secret');
  return {
    adminToken: await readOrCreate(join(dataDir, 'admin.token')),
    agentSecret: await readOrCreate(agentSecretFile),
    agentSecretFile,
  };
}
