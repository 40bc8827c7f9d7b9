/**
 * Every command's `--help`: a hand-written description above flag lines generated from the
 * command's option table (config/options.ts), so a flag, its type and its default are written once.
 * test/unit/cli/help.test.ts checks the README's CLI reference against these.
 */
import { devOptions } from '../config/dev.ts';
import { keysOptions } from '../config/keys.ts';
import { type DefinedOptions, helpLines, type OptionTable } from '../config/options.ts';
import { proxyOptions } from '../config/proxy.ts';
import { tokenOptions } from '../config/token.ts';
import { operatorOptions } from '../operator/options.ts';

const help = (head: string, options: DefinedOptions<OptionTable>): string => `${head}\n\n${helpLines(options).join('\n')}`;

export const devHelp = help(
  `Usage: mcp-gitops dev [DIR] [flags]

The embedded default: the proxy, a real upstream MCP server (server-everything) and the reconcile
core fed from the McpGateway, VirtualServer and Secret manifests in DIR (default examples/local),
watched for changes. An invalid file is reported (file, field, problem) and its last good version
keeps serving. No cluster needed.`,
  devOptions,
);

export const proxyHelp = help(
  `Usage: mcp-gitops proxy [flags]

The data plane: MCP Streamable HTTP (and SSE) per virtual server at /servers/{id}/mcp, the admin
API the operator converges, the per-user OAuth relay, /health, /ready and /metrics.
Environment: MCP_GITOPS_LOG_LEVEL (default info), POD_NAMESPACE.`,
  proxyOptions,
);

export const operatorHelp = help(
  `Usage: mcp-gitops operator [flags]

The control plane: watches McpGateway, VirtualServer and the Secrets they reference, converges every
proxy replica through its admin API, and writes status and events.
Environment: MCP_GITOPS_LOG_LEVEL (default info), POD_NAMESPACE, POD_NAME.`,
  operatorOptions,
);

export const validateHelp = `Usage: mcp-gitops validate PATH...

Checks every McpGateway and VirtualServer in the YAML files (directories are searched for *.yaml and
*.yml) against the same schemas and cross-field rules the CRDs enforce. Prints one line per problem
naming the file, the document, the field and what is wrong. Exit code 0 when all are valid, 1 otherwise.`;

export const keysHelp = help(
  `Usage: mcp-gitops keys [--namespace NS] [--only vault|admin|agent]

Prints Kubernetes Secret manifests with freshly generated random values, for
'mcp-gitops keys | kubectl create -f -' (create, not apply: replacing an existing vault key
orphans every stored token). Never commit the output. By default the two Secrets manifests/
references, the vault key and the admin token; the agent secret is for examples/dev-hs256/ only.`,
  keysOptions,
);

export const tokenHelp = help(
  `Usage: mcp-gitops token --secret-file FILE --sub USER [--groups a,b] [--ttl SECONDS] [--iss ISS] [--aud AUD]

Prints a JWT signed with the agent HS256 secret in FILE, for an agent acting as USER.`,
  tokenOptions,
);
