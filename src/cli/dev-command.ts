import { devOptions } from '../config/dev.ts';
import { parseFlags } from '../config/flags.ts';
import { runDev } from '../dev/run-dev.ts';
import { runUntilSignal } from './flags.ts';

/** `mcp-gitops dev [DIR]`: the embedded default. */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, devOptions.spec, devOptions.schema);
  const dir = positionals[0] ?? 'examples/local';
  const handle = await runDev({ dir, ...flags });
  return runUntilSignal(handle, 'mcp-gitops dev');
}
