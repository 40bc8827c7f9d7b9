/**
 * How a Deployment in a checkout's manifests/ starts its process, for benchmarks and tests that run
 * the bundle outside a cluster the way a pod would: the node flags of the container's `command` and
 * the node/malloc environment it sets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type DeploymentDoc = { spec: { template: { spec: { containers: Array<{ command?: string[]; env?: Array<{ name: string; value?: string }> }> } } } };

function deploymentContainer(root: string, component: 'proxy' | 'operator'): DeploymentDoc['spec']['template']['spec']['containers'][number] | undefined {
  const path = join(root, `manifests/${component}/deployment.yaml`);
  if (!existsSync(path)) return undefined;
  return (parse(readFileSync(path, 'utf8')) as DeploymentDoc).spec.template.spec.containers[0];
}

/** What the container in `root`'s manifests/<component>/deployment.yaml sets for the process at start: `NODE_OPTIONS`, `MALLOC_ARENA_MAX` ({} without a manifest). */
export function deployedEnv(root: string, component: 'proxy' | 'operator' = 'proxy'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of deploymentContainer(root, component)?.env ?? []) if ((e.name === 'NODE_OPTIONS' || e.name === 'MALLOC_ARENA_MAX') && e.value !== undefined) out[e.name] = e.value;
  return out;
}

/**
 * The node flags the container's `command` gives (`[node, …flags, /app/dist/cli.js]`: V8 flags that
 * NODE_OPTIONS does not accept); [] when it runs the image's entrypoint unchanged.
 */
export function deployedNodeFlags(root: string, component: 'proxy' | 'operator' = 'proxy'): string[] {
  const command = deploymentContainer(root, component)?.command;
  return command ? command.slice(1, -1) : [];
}
