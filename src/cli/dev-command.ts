import { z } from 'zod';
import { runDev } from '../dev/run-dev.ts';
import { parseFlags, runUntilSignal } from './flags.ts';

export const DevFlags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4444),
  host: z.string().default('127.0.0.1'),
  upstreamPort: z.coerce.number().int().min(0).max(65535).default(3001),
  dataDir: z.string().default('.data/dev'),
  user: z.string().min(1).default('dev@example.com'),
});

export const devFlagSpec = {
  port: { type: 'string' },
  host: { type: 'string' },
  'upstream-port': { type: 'string' },
  'data-dir': { type: 'string' },
  user: { type: 'string' },
} as const;

/** `mcp-gitops dev [DIR]`: the embedded default. */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, devFlagSpec, DevFlags);
  const dir = positionals[0] ?? 'examples/local';
  const handle = await runDev({ dir, ...flags });
  return runUntilSignal(handle, 'mcp-gitops dev');
}
