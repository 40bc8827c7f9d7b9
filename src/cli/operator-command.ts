import { readEnvironment } from '../config/env.ts';
import { loadOperatorConfig } from '../config/operator.ts';
import { runOperator } from '../operator/run.ts';
import { runUntilSignal } from './flags.ts';
import { processLogger } from './logger.ts';

/** `mcp-gitops operator`: the control plane. Exits 1 when it loses leadership, like controller-runtime. */
export async function run(argv: string[]): Promise<number> {
  const env = readEnvironment();
  const options = await loadOperatorConfig(argv, env);
  const operator = await runOperator(options, {
    logger: processLogger('mcp-gitops-operator', env.MCP_GITOPS_LOG_LEVEL),
    onLostLeadership: () => {
      console.error('mcp-gitops operator: lost leadership, exiting');
      process.exit(1);
    },
  });
  return runUntilSignal({ close: () => operator.stop() }, 'mcp-gitops operator');
}
