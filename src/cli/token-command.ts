import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { mintAgentToken } from '../proxy/agent-auth/mint-token.ts';
import { parseFlags } from './flags.ts';

const Flags = z.object({
  secretFile: z.string({ error: 'is required' }),
  sub: z.string({ error: 'is required' }).min(1),
  groups: z.string().optional(),
  ttl: z.coerce.number().int().positive().default(3600),
});

/** `mcp-gitops token`: prints an HS256 agent JWT. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags(
    argv,
    { 'secret-file': { type: 'string' }, sub: { type: 'string' }, groups: { type: 'string' }, ttl: { type: 'string' } },
    Flags,
  );
  const secret = (await readFile(flags.secretFile, 'utf8')).trim();
  const groups = flags.groups ? flags.groups.split(',').map((g) => g.trim()).filter(Boolean) : [];
  console.log(await mintAgentToken(secret, { sub: flags.sub, groups, ttlSeconds: flags.ttl }));
  return 0;
}
