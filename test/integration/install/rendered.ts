/**
 * The install as kustomize renders it, split into objects, plus the lookups the install tests need.
 */
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** Repository paths the install tests apply. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const MANIFESTS = `${REPO}manifests`;
export const ATLASSIAN_EXAMPLE = `${REPO}examples/atlassian-rovo`;
export const ARGOCD_EXAMPLE = `${REPO}examples/argocd`;
/** The egress NetworkPolicy examples (docs/install.md, "Egress"). */
export const EGRESS_EXAMPLE = `${REPO}manifests/examples/egress`;
/** The install with HS256 agent tokens instead of OIDC, for dev and evaluation (docs/install.md). */
export const DEV_HS256_EXAMPLE = `${REPO}examples/dev-hs256`;
export const ARGOCD_CM_PATCH = `${REPO}manifests/argocd/argocd-cm-patch.yaml`;

/** The system namespace manifests/ installs into. */
export const SYSTEM_NAMESPACE = 'mcp-gitops-system';

/** A Kubernetes object, loosely typed: the tests read a few fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The objects of a multi-document YAML stream (empty documents dropped). */
export function parseObjects(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}

/** Multi-document YAML of `objects`. */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n');
}

/** `true` for the kinds that must exist before anything namespaced can be applied. */
export function isClusterFoundation(o: KubeObject): boolean {
  return o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition';
}

/** The Deployment named `name` in `objects`. */
export function deployment(objects: readonly KubeObject[], name: string): KubeObject & { spec: { template: { metadata: unknown; spec: PodSpec } } } {
  const found = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  if (!found) throw new Error(`rendered manifests have no Deployment ${name}`);
  return found as KubeObject & { spec: { template: { metadata: unknown; spec: PodSpec } } };
}

/** The parts of a pod spec the tests read. */
export interface PodSpec {
  containers: Array<{ name: string; args?: string[]; volumeMounts?: Array<{ name: string; mountPath: string }> }>;
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
  [field: string]: unknown;
}

/** A Pod built from a Deployment's template, the way its ReplicaSet would create it. */
export function podFromTemplate(d: ReturnType<typeof deployment>, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(d.spec.template.metadata as object), name, namespace: d.metadata.namespace },
    spec: d.spec.template.spec,
  };
}
