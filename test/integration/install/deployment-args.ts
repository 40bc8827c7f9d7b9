/**
 * A Deployment's container args as the kubelet passes them: $(VAR) references expanded from the
 * container's env (ConfigMap keys of manifests/config.yaml and the downward API).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MANIFESTS, SYSTEM_NAMESPACE } from './rendered.ts';

interface Container {
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { configMapKeyRef?: { key: string }; fieldRef?: { fieldPath: string } } }>;
}

/** manifests/config.yaml's data. */
export const installConfig = (parse(readFileSync(`${MANIFESTS}/config.yaml`, 'utf8')) as { data: Record<string, string> }).data;

/**
 * The args of the first container of the Deployment in `manifests/<file>`, expanded; `config`
 * overrides ConfigMap keys, as an installer's overlay does (e.g. `oidc-issuer`).
 *
 * @throws Error when an arg references a variable the container's env does not set.
 */
export function expandedArgs(file: string, config: Record<string, string> = {}): string[] {
  const d = parse(readFileSync(`${MANIFESTS}/${file}`, 'utf8')) as DeploymentLike;
  return expandArgs(d, file, config);
}

type DeploymentLike = { spec: { template: { spec: { containers: Container[] } } } };

/** The same for a Deployment already parsed (e.g. rendered by `kubectl kustomize` of an overlay). */
export function expandArgs(d: DeploymentLike, file: string, config: Record<string, string> = {}): string[] {
  const [c] = d.spec.template.spec.containers;
  if (!c) throw new Error(`${file}: no container`);
  const values = { ...installConfig, ...config };
  const env = new Map<string, string>();
  for (const e of c.env ?? []) {
    const ref = e.valueFrom;
    const value =
      e.value ??
      (ref?.configMapKeyRef ? values[ref.configMapKeyRef.key] : undefined) ??
      (ref?.fieldRef?.fieldPath === 'metadata.namespace' ? SYSTEM_NAMESPACE : ref?.fieldRef ? 'pod-0' : undefined);
    if (value === undefined) throw new Error(`${file}: env ${e.name} has no value the test can expand`);
    env.set(e.name, value);
  }
  return c.args.map((a) =>
    a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => {
      const v = env.get(name);
      if (v === undefined) throw new Error(`${file}: $(${name}) is not set in the container's env`);
      return v;
    }),
  );
}
