/**
 * `podman run` flags that reproduce what a Deployment in manifests/ asks of its container: the pod's
 * and the container's securityContext, and its volumes (emptyDir → tmpfs, Secret → a read-only bind
 * of a local directory). Deriving them from the manifests is the point: the image is run as the
 * cluster would run it, so a manifest change that the image cannot satisfy fails here.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MANIFESTS } from '../install/rendered.ts';

interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: object }>;
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
export interface PodSpec {
  securityContext?: SecurityContext;
  containers: Container[];
  volumes?: Array<{ name: string; emptyDir?: object; secret?: { secretName: string } }>;
}

/** The pod template of the Deployment in `manifests/<file>`. */
export function podSpec(file: string): PodSpec {
  return (parse(readFileSync(`${MANIFESTS}/${file}`, 'utf8')) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/**
 * The run flags for the first container of `pod`. `secretDirs` maps each Secret volume's name to a
 * local directory to mount in its place; a Secret volume without one is an error.
 */
export function runFlags(pod: PodSpec, secretDirs: Record<string, string>, options: { readOnlyRoot?: boolean } = {}): string[] {
  const c = pod.containers[0]!;
  const sc = { ...pod.securityContext, ...c.securityContext };
  const flags: string[] = [];
  if (sc.runAsUser === undefined) throw new Error(`${c.name}: no runAsUser; the image's USER would decide`);
  flags.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (sc.readOnlyRootFilesystem && options.readOnlyRoot !== false) flags.push('--read-only');
  for (const cap of sc.capabilities?.drop ?? []) flags.push('--cap-drop', cap);
  for (const cap of sc.capabilities?.add ?? []) flags.push('--cap-add', cap);
  if (sc.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  for (const m of c.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === m.name);
    if (volume?.emptyDir) flags.push('--tmpfs', `${m.mountPath}:rw,mode=1777`);
    else if (volume?.secret) {
      const dir = secretDirs[m.name];
      if (!dir) throw new Error(`${c.name}: no local directory for Secret volume ${m.name}`);
      flags.push('--volume', `${dir}:${m.mountPath}:ro`);
    } else throw new Error(`${c.name}: volume ${m.name} is neither an emptyDir nor a Secret`);
  }
  // The process as the pod starts it: the command's node flags and the env values written in the
  // manifest (those from a ConfigMap or the downward API are the caller's to pass).
  for (const e of c.env ?? []) if (e.value !== undefined) flags.push('--env', `${e.name}=${e.value}`);
  return [...flags, ...entrypointFlags(c)];
}

/** `--entrypoint` for a container whose `command` replaces the image's entrypoint (node flags the Deployment adds); [] otherwise. */
export function entrypointFlags(c: Container): string[] {
  return c.command ? ['--entrypoint', JSON.stringify(c.command)] : [];
}
