/**
 * Kubernetes Secret backend (in-cluster): one Secret per (gateway, user) in the proxy's namespace.
 *
 * - name `mcp-token-<hash(namespace/gateway) 16 hex>-<userHash>`; type `mcp-gitops.dev/token`
 * - labels `app.kubernetes.io/managed-by: mcp-gitops`, `mcp-gitops.dev/gateway: <gatewayId>`,
 *   `mcp-gitops.dev/gateway-namespace`, `mcp-gitops.dev/user-hash` — never the user name
 * - data `tokens` and `subject`: sealed ciphertexts (a raw read shows no plaintext)
 * - annotations `mcp-gitops.dev/token-state` and `mcp-gitops.dev/refresh-lease` (non-secret)
 *
 * Compare-and-swap: replace with `metadata.resourceVersion` set; 409 Conflict = someone else wrote.
 */
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { redactedCause } from './key-sources.ts';
import { VaultConflictError, VaultError } from './errors.ts';
import type { ListPage, RecordLocation, RecordPage, RecordState, RecordStore, RefreshLease, SealedRecord, VersionedRecord } from './record-store.ts';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const GATEWAY_LABEL = 'mcp-gitops.dev/gateway';
export const GATEWAY_NAMESPACE_LABEL = 'mcp-gitops.dev/gateway-namespace';
export const USER_HASH_LABEL = 'mcp-gitops.dev/user-hash';
export const STATE_ANNOTATION = 'mcp-gitops.dev/token-state';
export const LEASE_ANNOTATION = 'mcp-gitops.dev/refresh-lease';
export const TOKEN_SECRET_TYPE = 'mcp-gitops.dev/token';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export interface SecretRecordStoreOptions {
  /** The process's pooled Kubernetes client (src/kube/client.ts). */
  kube: KubeClient;
  /** Namespace the token Secrets are written to (the proxy's own namespace). */
  secretNamespace: string;
}

export class SecretRecordStore implements RecordStore {
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #secrets: string;

  constructor(options: SecretRecordStoreOptions) {
    this.#kube = options.kube;
    this.#namespace = options.secretNamespace;
    this.#secrets = `/api/v1/namespaces/${encodeURIComponent(options.secretNamespace)}/secrets`;
  }

  #path(name: string): string {
    return `${this.#secrets}/${encodeURIComponent(name)}`;
  }

  describe(location: RecordLocation): string {
    return `Secret ${this.#namespace}/${secretName(location)}`;
  }

  async read(location: RecordLocation): Promise<VersionedRecord | undefined> {
    try {
      const secret = await this.#kube.get<V1Secret>(this.#path(secretName(location)));
      return fromSecret(secret, this.describe(location));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#backendError('read', location, error);
    }
  }

  async write(location: RecordLocation, record: SealedRecord, expectedVersion: string | null | undefined): Promise<string> {
    const name = secretName(location);
    const body = toSecret(location, name, record);
    try {
      if (expectedVersion === null) {
        return versionOf(await this.#kube.request<V1Secret>('POST', this.#secrets, { body }));
      }
      if (expectedVersion === undefined) {
        try {
          return versionOf(await this.#kube.request<V1Secret>('PUT', this.#path(name), { body }));
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
          return versionOf(await this.#kube.request<V1Secret>('POST', this.#secrets, { body }));
        }
      }
      body.metadata!.resourceVersion = expectedVersion;
      return versionOf(await this.#kube.request<V1Secret>('PUT', this.#path(name), { body }));
    } catch (error) {
      const status = statusOf(error);
      // 409: resourceVersion moved (replace) or already exists (create); 404 on a conditional replace:
      // the record was deleted since it was read. All three mean "re-read and decide again".
      if (status === 409 || (status === 404 && typeof expectedVersion === 'string')) {
        throw new VaultConflictError(this.describe(location));
      }
      throw this.#backendError('write', location, error);
    }
  }

  async remove(location: RecordLocation): Promise<boolean> {
    try {
      await this.#kube.request('DELETE', this.#path(secretName(location)));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw this.#backendError('delete', location, error);
    }
  }

  async list(namespace: string, gatewayId: string, page: ListPage): Promise<RecordPage> {
    const labelSelector = [
      `${MANAGED_BY_LABEL}=mcp-gitops`,
      `${GATEWAY_LABEL}=${labelValue(gatewayId)}`,
      `${GATEWAY_NAMESPACE_LABEL}=${labelValue(namespace)}`,
    ].join(',');
    let items: V1Secret[];
    let next: string | undefined;
    try {
      const list = await this.#kube.get<{ items: V1Secret[]; metadata?: { continue?: string } }>(this.#secrets, { labelSelector, limit: page.limit, continue: page.continue });
      items = list.items;
      next = list.metadata?.continue || undefined;
    } catch (error) {
      throw new VaultError('ERR_VAULT_BACKEND', `cannot list token Secrets in namespace ${this.#namespace} (${labelSelector})`, {
        cause: redactedCause(error),
      });
    }
    const out: RecordPage['items'] = [];
    for (const secret of items) {
      const userHash = secret.metadata?.labels?.[USER_HASH_LABEL];
      if (userHash === undefined) continue;
      const location = { namespace, gatewayId, userHash };
      out.push({ location, record: fromSecret(secret, this.describe(location)) });
    }
    return next === undefined ? { items: out } : { items: out, continue: next };
  }

  #backendError(verb: string, location: RecordLocation, error: unknown): VaultError {
    return new VaultError('ERR_VAULT_BACKEND', `cannot ${verb} ${this.describe(location)}`, { cause: redactedCause(error) });
  }
}

/** The Secret name for a record: DNS-1123, ≤ 63 characters, no user name. */
export function secretName(location: RecordLocation): string {
  const gateway = createHash('sha256').update(`${location.namespace}/${location.gatewayId}`).digest('hex').slice(0, 16);
  return `mcp-token-${gateway}-${location.userHash.toLowerCase()}`.slice(0, 63);
}

/** A label value as is when valid, else a 40-hex hash of it. */
function labelValue(value: string): string {
  return LABEL_VALUE.test(value) && value.length <= 63 ? value : createHash('sha256').update(value).digest('hex').slice(0, 40);
}

function toSecret(location: RecordLocation, name: string, record: SealedRecord): V1Secret {
  const annotations: Record<string, string> = { [STATE_ANNOTATION]: record.state };
  if (record.lease !== undefined) annotations[LEASE_ANNOTATION] = JSON.stringify(record.lease);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: TOKEN_SECRET_TYPE,
    metadata: {
      name,
      labels: {
        [MANAGED_BY_LABEL]: 'mcp-gitops',
        [GATEWAY_LABEL]: labelValue(location.gatewayId),
        [GATEWAY_NAMESPACE_LABEL]: labelValue(location.namespace),
        [USER_HASH_LABEL]: location.userHash,
      },
      annotations,
    },
    data: {
      tokens: Buffer.from(record.tokens, 'utf8').toString('base64'),
      subject: Buffer.from(record.subject, 'utf8').toString('base64'),
    },
  };
}

function fromSecret(secret: V1Secret, where: string): VersionedRecord {
  const tokens = secret.data?.tokens;
  const subject = secret.data?.subject;
  const version = secret.metadata?.resourceVersion;
  if (tokens === undefined || subject === undefined || version === undefined) {
    throw new VaultError('ERR_VAULT_RECORD_MALFORMED', `token record ${where} lacks data.tokens, data.subject or a resourceVersion`);
  }
  const annotations = secret.metadata?.annotations ?? {};
  const annotated = annotations[STATE_ANNOTATION];
  const state: RecordState = annotated === 'reconnect-needed' || annotated === 'document' ? annotated : 'active';
  const record: VersionedRecord = {
    tokens: Buffer.from(tokens, 'base64').toString('utf8'),
    subject: Buffer.from(subject, 'base64').toString('utf8'),
    state,
    version,
  };
  const lease = parseLease(annotations[LEASE_ANNOTATION]);
  if (lease !== undefined) record.lease = lease;
  return record;
}

function parseLease(text: string | undefined): RefreshLease | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RefreshLease>;
    if (typeof value.holder === 'string' && typeof value.expiresAt === 'number') return { holder: value.holder, expiresAt: value.expiresAt };
  } catch {
    // A malformed lease is treated as absent: it can only delay, never block, a refresh.
  }
  return undefined;
}

function versionOf(secret: V1Secret): string {
  const version = secret.metadata?.resourceVersion;
  if (version === undefined) throw new VaultError('ERR_VAULT_BACKEND', `Kubernetes API returned Secret ${secret.metadata?.name} without a resourceVersion`);
  return version;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.status : undefined;
}
