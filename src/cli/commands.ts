/**
 * The CLI's commands. Each is loaded only when run, so `validate` in a CI pipeline does not load
 * the proxy or the Kubernetes client.
 */
import { devHelp, keysHelp, operatorHelp, proxyHelp, tokenHelp, validateHelp } from './help.ts';

export interface Command {
  summary: string;
  help: string;
  /** Resolves with the exit code, or -1 for a long-running command that keeps the process alive. */
  run(argv: string[]): Promise<number>;
}

function lazy(summary: string, help: string, load: () => Promise<{ run(argv: string[]): Promise<number> }>): Command {
  return { summary, help, run: async (argv) => (await load()).run(argv) };
}

export const commands = {
  proxy: lazy(
    'run the data plane: agent MCP endpoints, the admin API, the OAuth relay',
    proxyHelp,
    () => import('./proxy-command.ts'),
  ),
  operator: lazy(
    'run the control plane: reconcile McpGateway and VirtualServer into every proxy replica',
    operatorHelp,
    () => import('./operator-command.ts'),
  ),
  dev: lazy(
    'run the embedded default: proxy + YAML files in DIR (default examples/local), watched live',
    devHelp,
    () => import('./dev-command.ts'),
  ),
  validate: lazy(
    'check McpGateway/VirtualServer manifests offline (files or directories); exit 1 when invalid',
    validateHelp,
    () => import('./validate-command.ts'),
  ),
  keys: lazy(
    'print the Secrets an installation needs (vault key, admin token) as YAML',
    keysHelp,
    () => import('./keys-command.ts'),
  ),
  token: lazy(
    'mint an HS256 agent token (shared-secret agent authentication)',
    tokenHelp,
    () => import('./token-command.ts'),
  ),
} satisfies Record<string, Command>;

export type CommandName = keyof typeof commands;
