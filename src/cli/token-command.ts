import { readFile } from 'node:fs/promises';
import { parseFlags } from '../config/flags.ts';
import { tokenOptions } from '../config/token.ts';
import { mintAgentToken } from '../proxy/agent-auth/mint-token.ts';

/** `mcp-gitops token`: prints an HS256 agent JWT. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, tokenOptions.spec, tokenOptions.schema);
  const secret = (await readFile(flags.secretFile, 'utf8')).trim();
  const groups = flags.groups ? flags.groups.split(',').map((g) => g.trim()).filter(Boolean) : [];
  console.log(await mintAgentToken(secret, { sub: flags.sub, groups, ttlSeconds: flags.ttl, issuer: flags.iss, audience: flags.aud }));
  return 0;
}
