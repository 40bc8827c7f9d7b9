/**
 * The CLI's commands. Each is loaded only when run, so `validate` in a CI pipeline does not load
 * the proxy or the Kubernetes client.
 */
import { devHelp, operatorHelp, proxyHelp } from './help.ts';

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
    `Usage: mcp-gitops validate PATH...

Checks every McpGateway and VirtualServer in the YAML files (directories are searched for *.yaml and
*.yml) against the same schemas and cross-field rules the CRDs enforce. Prints one line per problem
naming the file, the document, the field and what is wrong. Exit code 0 when all are valid, 1 otherwise.`,
    () => import('./validate-command.ts'),
  ),
  keys: lazy(
    'print the Secrets an installation needs (vault key, admin token, agent JWT secret) as YAML',
    `Usage: mcp-gitops keys [--namespace mcp-gitops-system] [--only vault|admin|agent]

Prints Kubernetes Secret manifests with freshly generated random values, for
'mcp-gitops keys | kubectl apply -f -'. Never commit the output.

  --namespace NS   namespace of the Secrets (default mcp-gitops-system)
  --only KIND      print only one of: vault (AES-256-GCM key ring), admin (admin API token),
                   agent (HS256 secret for agent tokens)`,
    () => import('./keys-command.ts'),
  ),
  token: lazy(
    'mint an HS256 agent token (shared-secret agent authentication)',
    `Usage: mcp-gitops token --secret-file FILE --sub USER [--groups a,b] [--ttl 3600]

Prints a JWT signed with the agent HS256 secret in FILE, for an agent acting as USER.

  --secret-file FILE   the agent JWT secret (as written by 'mcp-gitops keys' or the dev data dir)
  --sub USER           the user the agent acts for (the token's 'sub')
  --groups LIST        comma-separated groups (the token's 'groups' claim)
  --ttl SECONDS        lifetime (default 3600)`,
    () => import('./token-command.ts'),
  ),
} satisfies Record<string, Command>;

export type CommandName = keyof typeof commands;
