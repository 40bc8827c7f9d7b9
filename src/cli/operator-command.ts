import { OperatorOptions, operatorFlagSpec } from '../operator/options.ts';
import { runOperator } from '../operator/run.ts';
import { parseFlags, runUntilSignal } from './flags.ts';
import { processLogger } from './logger.ts';

/** `mcp-gitops operator`: the control plane. Exits 1 when it loses leadership, like controller-runtime. */
export async function run(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, operatorFlagSpec, OperatorOptions);
  const operator = await runOperator(flags, {
    logger: processLogger('mcp-gitops-operator'),
    onLostLeadership: () => {
      console.error('mcp-gitops operator: lost leadership, exiting');
      process.exit(1);
    },
  });
  return runUntilSignal({ close: () => operator.stop() }, 'mcp-gitops operator');
}
