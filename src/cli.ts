#!/usr/bin/env node
/**
 * The one entry point: `mcp-gitops <command> [flags]`.
 *
 *   proxy      the data plane: agents' MCP endpoints, the admin API, the OAuth relay
 *   operator   the control plane: reconciles McpGateway and VirtualServer into every proxy replica
 *   dev DIR    the embedded default: proxy + the reconcile core fed from YAML files in DIR
 *   validate   offline schema check of manifests, for GitOps CI pipelines
 *   keys       prints the Secrets an installation needs (vault key, admin token; the dev HS256 agent secret with --only agent)
 *   token      mints an HS256 agent token for the shared-secret agent authentication
 *
 * Exit codes: 0 success, 1 the command failed (e.g. invalid manifests), 2 usage error.
 */
import { commands, type CommandName } from './cli/commands.ts';
import { UsageError } from './config/flags.ts';

const usage = `Usage: mcp-gitops <command> [flags]

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'mcp-gitops <command> --help' for a command's flags.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    const { version } = await import('../package.json', { with: { type: 'json' } }).then((m) => m.default);
    console.log(version);
    return 0;
  }
  const command = commands[name as CommandName];
  if (!command) {
    console.error(`mcp-gitops: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`mcp-gitops ${name}: ${err.message}\n\n${command.help}`);
      return 2;
    }
    console.error(`mcp-gitops ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Long-running commands (proxy, operator, dev) resolve with -1 and keep the process alive.
if (code >= 0) process.exitCode = code;
