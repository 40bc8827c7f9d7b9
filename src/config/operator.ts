/**
 * The operator process's configuration: its flags (operator/options.ts), the admin token file and
 * the environment (pod name and namespace, in-cluster), validated into the `OperatorOptions`
 * `runOperator` takes. runOperator reads nothing else.
 */
import { OperatorOptions, operatorFlagSpec } from '../operator/options.ts';
import { podNamespace, type Environment } from './env.ts';
import { parseFlags, UsageError } from './flags.ts';
import { secretInput } from './secret-input.ts';

export async function loadOperatorConfig(argv: string[], env: Environment): Promise<OperatorOptions> {
  const { flags } = parseFlags(argv, operatorFlagSpec, OperatorOptions);
  const adminToken = await secretInput(flags.adminTokenFile, env.MCP_GITOPS_ADMIN_TOKEN, '--admin-token-file');
  if (!adminToken && flags.target !== 'contextforge') throw new UsageError('the proxy admin token is required: --admin-token-file FILE or env MCP_GITOPS_ADMIN_TOKEN');
  const podName = env.POD_NAME ?? env.HOSTNAME;
  const proxyAdminCa = flags.proxyAdminCaFile === undefined ? undefined : await secretInput(flags.proxyAdminCaFile, undefined, '--proxy-admin-ca-file');
  return OperatorOptions.parse({
    ...flags,
    adminToken,
    ...(proxyAdminCa ? { proxyAdminCa } : {}),
    leaderElectionNamespace: flags.leaderElectionNamespace ?? podNamespace(env),
    inCluster: env.KUBERNETES_SERVICE_HOST !== undefined,
    podName,
  });
}
