/**
 * Where this process's {@link ClusterAccess} comes from: the pod's service account
 * (`rest.InClusterConfig`) or kubeconfig files, in client-go's default order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tokenFileSource, type ClusterAccess } from './access.ts';

/** The part of the environment the loader reads (config/env.ts reads it; tests pass their own). */
export interface KubeEnvironment {
  KUBERNETES_SERVICE_HOST?: string;
  KUBERNETES_SERVICE_PORT?: string;
  /** A list of kubeconfig files (`:`-separated), merged as kubectl merges them. */
  KUBECONFIG?: string;
  HOME?: string;
}

/** Where the service account is mounted in a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The pod's service account (`rest.InClusterConfig`): `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
 * the CA in `ca.crt` and the token in `token` under `dir`.
 */
export function inClusterAccess(env: KubeEnvironment, dir: string = SERVICE_ACCOUNT_DIR): ClusterAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (they are in a pod)');
  let ca: string;
  try {
    ca = readFileSync(`${dir}/ca.crt`, 'utf8');
  } catch (err) {
    throw new Error(`in-cluster configuration: cannot read the service account's CA ${dir}/ca.crt: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const token = tokenFileSource(`${dir}/token`, 'in-cluster configuration');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tls: { ca, rejectUnauthorized: true },
    authorization: async () => `Bearer ${await token()}`,
    origin: `in-cluster service account (${dir})`,
  };
}

export interface AccessSource {
  /** A kubeconfig file; wins over everything else. */
  kubeconfig?: string;
  /** Use the service account (set by the config loader when KUBERNETES_SERVICE_HOST is set). */
  inCluster?: boolean;
  env: KubeEnvironment;
  /** The service account directory (tests). */
  serviceAccountDir?: string;
}

/**
 * `kubeconfig` when given; else the service account with `inCluster`; else `$KUBECONFIG`'s files,
 * else `~/.kube/config`; else the service account when KUBERNETES_SERVICE_HOST is set. The
 * kubeconfig parser (and its YAML library) is loaded only when a kubeconfig is used, so a pod
 * never loads it.
 */
export async function resolveAccess(source: AccessSource): Promise<ClusterAccess> {
  const files = source.kubeconfig ? [source.kubeconfig] : source.inCluster ? [] : defaultKubeconfigFiles(source.env);
  if (files.length === 0 && (source.inCluster || source.env.KUBERNETES_SERVICE_HOST)) return inClusterAccess(source.env, source.serviceAccountDir);
  if (files.length === 0) throw new Error('no Kubernetes configuration: pass --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config, or run in a pod');
  const { kubeconfigAccess } = await import('./kubeconfig.ts');
  return kubeconfigAccess(files);
}

/** `$KUBECONFIG`'s files (those that exist, as kubectl), else `~/.kube/config` when it exists. */
function defaultKubeconfigFiles(env: KubeEnvironment): string[] {
  // kubectl skips KUBECONFIG entries that do not exist; so do we.
  if (env.KUBECONFIG) return env.KUBECONFIG.split(':').filter((f) => f !== '' && existsSync(f));
  const home = env.HOME ? `${env.HOME}/.kube/config` : undefined;
  return home && existsSync(home) ? [home] : [];
}
