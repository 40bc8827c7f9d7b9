import { devOptions } from '../config/dev.ts';
import { readEnvironment } from '../config/env.ts';
import { parseFlags, UsageError } from '../config/flags.ts';
import { secretInput } from '../config/secret-input.ts';
import { runDevContextForge } from '../dev/contextforge.ts';
import { runDev } from '../dev/run-dev.ts';
import { runUntilSignal } from './flags.ts';

/** `mcp-gitops dev [DIR]`: the embedded default; `mcp-gitops dev --target contextforge URL [DIR]`: into a running ContextForge. */
export async function run(argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, devOptions.spec, devOptions.schema);
  if (flags.target === 'contextforge') {
    const [url, dir = 'examples/local'] = positionals;
    if (!url || !/^https?:\/\//.test(url)) throw new UsageError("--target contextforge needs ContextForge's URL: mcp-gitops dev --target contextforge http://localhost:4444 [DIR]");
    const token = await secretInput(flags.contextforgeTokenFile, readEnvironment().MCPGATEWAY_BEARER_TOKEN, '--contextforge-token-file');
    if (!token) throw new UsageError("ContextForge's admin credential is required: --contextforge-token-file FILE or env MCPGATEWAY_BEARER_TOKEN");
    return runUntilSignal(await runDevContextForge({ dir, url, token }), 'mcp-gitops dev');
  }
  const dir = positionals[0] ?? 'examples/local';
  const { target: _target, contextforgeTokenFile: _file, ...proxyFlags } = flags;
  const handle = await runDev({ dir, ...proxyFlags });
  return runUntilSignal(handle, 'mcp-gitops dev');
}
