/**
 * The McpGateway adapter of the reconcile pipeline (controller.ts): the resource and its Secrets
 * from the caches → pure desiredGateway() → (pipeline: every target) → gatewayStatus() → look again
 * after the gateway's health-check interval (sooner while the first health check is pending).
 */
import { ConditionType, Reason, type Condition } from '../../api/conditions.ts';
import { gatewayId } from '../../api/ids.ts';
import { McpGateway } from '../../api/mcp-gateway.ts';
import { desiredGateway, type DesiredRegistration, type GatewayBody } from '../../reconcile/desired.ts';
import { ReconcileError } from '../../reconcile/errors.ts';
import type { SecretLookup } from '../../reconcile/resources.ts';
import { gatewayStatus } from '../../reconcile/status.ts';
import { gatewayPolicyViolation, type TenantPolicy } from '../../reconcile/tenant-policy.ts';
import type { KindAdapter, Observed, Parsed, ResourcePolicy } from '../controller.ts';
import type { Informer } from '../kube/informer.ts';
import type { RawResource, SecretObject } from '../objects.ts';
import { gatewayReadInResourceTerms } from './resource-terms.ts';

/** Secret data from the cache, base64-decoded. */
export function secretLookup(secrets: Informer<SecretObject>): SecretLookup {
  return (namespace, name) => {
    const s = secrets.get(`${namespace}/${name}`);
    if (!s) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    return out;
  };
}

/** The platform's guard-rails (reconcile/tenant-policy.ts) as a pipeline policy: McpGateways only. */
export function tenantGuardRails(policy: TenantPolicy): ResourcePolicy {
  return (kind, resource) => (kind === 'McpGateway' ? gatewayPolicyViolation(resource as McpGateway, policy) : undefined);
}

/** Problems of a resource the schema rejects, as one status message naming each field. */
export function invalidSpec(problems: { path: PropertyKey[]; message: string }[]): ReconcileError {
  const text = problems
    .slice(0, 5)
    .map((p) => `${p.path.map(String).join('.') || '(root)'}: ${p.message}`)
    .join('; ');
  return new ReconcileError('ERR_INVALID_SPEC', 'spec', `the resource does not match the schema: ${text}`);
}

/** Schema validation shared by both kinds. */
export function parseWith<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, obj: RawResource): Parsed<T> {
  const r = schema.safeParse(obj);
  return r.success ? { ok: true, resource: r.data } : { ok: false, error: invalidSpec(r.error.issues) };
}

export class McpGatewayAdapter implements KindAdapter<McpGateway, 'gateway'> {
  readonly kind = 'McpGateway' as const;
  readonly registration = 'gateway' as const;
  readonly #secrets: SecretLookup;
  readonly #usedBy: (namespace: string, name: string) => string[];

  /** `usedBy` names the VirtualServers that select a gateway (the servers cache's index). */
  constructor(secrets: SecretLookup, usedBy: (namespace: string, name: string) => string[] = () => []) {
    this.#secrets = secrets;
    this.#usedBy = usedBy;
  }

  deletionWarning(obj: RawResource): { reason: string; message: string } | undefined {
    const ns = obj.metadata.namespace ?? 'default';
    const users = this.#usedBy(ns, obj.metadata.name).sort();
    if (users.length === 0) return undefined;
    const shown = users.slice(0, 20).join(', ') + (users.length > 20 ? ` and ${users.length - 20} more` : '');
    return {
      reason: 'GatewayInUse',
      message: `deleted while VirtualServer ${shown} still select${users.length === 1 ? 's' : ''} it; their tools from it are gone until an McpGateway ${obj.metadata.name} exists again or their spec.tools stop naming it`,
    };
  }

  idOf(namespace: string, name: string): string {
    return gatewayId(namespace, name);
  }

  parse(obj: RawResource): Parsed<McpGateway> {
    return parseWith(McpGateway, obj);
  }

  desired(gw: McpGateway): DesiredRegistration<GatewayBody> {
    return desiredGateway(gw, this.#secrets);
  }

  status({ obj, resource, desiredError, replicas: observed, memberNoun }: Observed<McpGateway, 'gateway'>, now: Date) {
    const replicas = observed.map((r) => (r.read ? { ...r, read: gatewayReadInResourceTerms(r.read) } : r));
    // The last good registration stays on the proxies while the spec or a Secret is broken.
    const view = resource ?? ({ ...(obj as unknown as McpGateway), spec: { url: '', auth: { type: 'None' } } } as McpGateway);
    return gatewayStatus({ ...view, metadata: obj.metadata, status: obj.status as McpGateway['status'] }, { ...(desiredError ? { desiredError } : {}), replicas, ...(memberNoun ? { memberNoun } : {}) }, now);
  }

  requeue(gw: McpGateway, status: { conditions?: Condition[] }, members: number) {
    const afterMs = gw.spec.healthCheck.intervalSeconds * 1000;
    // Without members there is nothing to wait for: a member appearing re-queues everything.
    if (members === 0) return { afterMs, progressing: false };
    // Waiting for the proxy's first health check, or for the first tool list.
    const progressing = status.conditions?.some((c) => c.type === ConditionType.Reconciling && c.status === 'True') ?? false;
    const discovering = status.conditions?.some((c) => c.type === ConditionType.ToolsDiscovered && c.status !== 'True' && c.reason !== Reason.ConsentRequired) ?? false;
    return { afterMs, progressing: progressing || discovering };
  }
}
