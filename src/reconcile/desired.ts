/**
 * Desired state: what every proxy replica must hold for one resource, as the exact admin API body
 * (docs/admin-api.md) and its `specHash`. Pure: no I/O, no clock, no randomness — the same resource
 * and Secrets always give the same body and hash, which is what lets a reconcile compare hashes
 * from `GET /state` instead of reading registrations back.
 *
 * Shared by the operator and `mcp-gitops dev`.
 */
import { gatewayId, serverId } from '../api/ids.ts';
import { resolveDiscovery } from '../api/mcp-gateway.ts';
import { specHash } from '../contract/digest.ts';
import { ReconcileError } from './errors.ts';
import { ALLOW_REFERENCE_LABEL } from './secret-opt-in.ts';
import type { GatewayBody, ServerBody } from '../contract/wire.ts';
import type { McpGateway, SecretKeyRef, SecretLookup, VirtualServer } from './resources.ts';

export type { GatewayBody, ServerBody };

/** One registration to hold on every replica. `body` may contain secret values: never log it. */
export interface DesiredRegistration<B> {
  id: string;
  body: B;
  /** `specHash(body)`, what the replica reports for it in `GET /state`. */
  hash: string;
  /**
   * The resource it comes from, for targets that mark ownership on the product's objects
   * (ContextForge tags) or read per-target annotations. Not part of `hash`.
   */
  source?: RegistrationSource;
}

/** The identity and annotations of the resource a registration comes from. */
export interface RegistrationSource {
  uid?: string;
  annotations?: Record<string, string>;
}

function sourceOf(meta: { uid?: string | undefined; annotations?: Record<string, string> | undefined }): RegistrationSource {
  return { ...(meta.uid ? { uid: meta.uid } : {}), ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}) };
}

/** The names of the Secrets a gateway references (for the Secret → gateway index). */
export function referencedSecrets(gw: McpGateway): string[] {
  const auth = gw.spec.auth;
  const names = new Set<string>();
  if (auth?.bearer) names.add(auth.bearer.secretRef.name);
  for (const h of auth?.headers ?? []) names.add(h.secretRef.name);
  if (auth?.oauth?.clientSecretRef) names.add(auth.oauth.clientSecretRef.name);
  return [...names];
}

/** The gateway names (same namespace) a virtual server selects tools, resources or prompts from, deduplicated, in spec order. */
export function referencedGateways(vs: VirtualServer): string[] {
  const { tools = [], resources = [], prompts = [] } = vs.spec;
  return [...new Set([...tools, ...resources, ...prompts].map((t) => t.gateway))];
}

/**
 * The gateway registration for `gw`, with Secret values resolved through `secrets`.
 *
 * @throws ReconcileError `ERR_SECRET_NOT_FOUND` / `ERR_SECRET_KEY_NOT_FOUND` naming the field
 *   (e.g. `spec.auth.oauth.clientSecretRef`) and the Secret `namespace/name` — never its contents.
 *
 * @example
 * const { id, body, hash } = desiredGateway(gw, (ns, name) => secrets.get(`${ns}/${name}`));
 * await admin.putGateway(id, body);
 */
export function desiredGateway(gw: McpGateway, secrets: SecretLookup): DesiredRegistration<GatewayBody> {
  const namespace = gw.metadata.namespace ?? 'default';
  const id = gatewayId(namespace, gw.metadata.name);
  const spec = gw.spec;
  const resolve = (path: string, ref: SecretKeyRef): string => resolveSecret(secrets, namespace, path, ref);
  const body: GatewayBody = {
    id,
    name: gw.metadata.name,
    url: spec.url,
    transport: spec.transport === 'SSE' ? 'SSE' : 'STREAMABLEHTTP',
    auth_type: 'none',
    namespace,
  };
  if (spec.description) body.description = spec.description;
  if (spec.healthCheck?.intervalSeconds !== undefined) body.health_check_interval_seconds = spec.healthCheck.intervalSeconds;
  if (spec.healthCheck?.timeoutSeconds !== undefined) body.health_check_timeout_seconds = spec.healthCheck.timeoutSeconds;
  if (spec.toolRefresh?.intervalSeconds !== undefined) body.refresh_interval_seconds = spec.toolRefresh.intervalSeconds;
  if (spec.allowPrivateNetwork !== undefined) body.allow_private_network = spec.allowPrivateNetwork;

  const auth = spec.auth;
  switch (auth?.type ?? 'None') {
    case 'None':
      break;
    case 'Bearer': {
      const ref = auth?.bearer?.secretRef;
      if (!ref) throw new ReconcileError('ERR_INVALID_SPEC', 'spec.auth.bearer', 'is required when spec.auth.type is Bearer');
      body.auth_type = 'bearer';
      body.auth_token = resolve('spec.auth.bearer.secretRef', ref);
      break;
    }
    case 'Headers': {
      const headers = auth?.headers ?? [];
      if (headers.length === 0) throw new ReconcileError('ERR_INVALID_SPEC', 'spec.auth.headers', 'needs at least one header when spec.auth.type is Headers');
      body.auth_type = 'authheaders';
      body.auth_headers = headers.map((h, i) => ({ key: h.name, value: resolve(`spec.auth.headers[${i}].secretRef`, h.secretRef) }));
      break;
    }
    case 'OAuth': {
      const o = auth?.oauth;
      if (!o) throw new ReconcileError('ERR_INVALID_SPEC', 'spec.auth.oauth', 'is required when spec.auth.type is OAuth');
      const cfg: Record<string, unknown> = {
        grant_type: o.grantType === 'ClientCredentials' ? 'client_credentials' : 'authorization_code',
      };
      const copy = (key: string, value: unknown): void => {
        if (value !== undefined && value !== null) cfg[key] = value;
      };
      copy('issuer', o.issuer);
      copy('authorization_url', o.authorizationUrl);
      copy('token_url', o.tokenUrl);
      copy('scopes', o.scopes);
      copy('audience', o.audience);
      copy('resource', o.resource);
      copy('client_id', o.clientId);
      cfg.discovery = resolveDiscovery({ discovery: o.discovery ?? 'Auto', issuer: o.issuer, authorizationUrl: o.authorizationUrl, tokenUrl: o.tokenUrl }).toLowerCase();
      if (o.clientSecretRef) cfg.client_secret = resolve('spec.auth.oauth.clientSecretRef', o.clientSecretRef);
      body.auth_type = 'oauth';
      body.oauth_config = cfg as GatewayBody['oauth_config'];
      break;
    }
  }
  return { id, body, hash: specHash(body), source: sourceOf(gw.metadata) };
}

/**
 * The server registration for `vs`. Tool selectors name gateways of the same namespace by
 * `metadata.name`; they become gateway ids, whether or not that gateway exists yet (the proxy
 * evaluates selectors live, so a gateway that appears later joins without another PUT). Which
 * referenced gateways are missing or not ready is for status, not for the body.
 */
export function desiredServer(vs: VirtualServer): DesiredRegistration<ServerBody> {
  const namespace = vs.metadata.namespace ?? 'default';
  const id = serverId(namespace, vs.metadata.name);
  const body: ServerBody = {
    id,
    name: vs.metadata.name,
    namespace,
    tool_selectors: (vs.spec.tools ?? []).map((t) => selectorBody(namespace, t)),
    naming: vs.spec.naming ?? 'Prefixed',
  };
  // Only when present, so a tools-only server's body (and hash) is what it was before resources and prompts existed.
  if (vs.spec.resources && vs.spec.resources.length > 0) body.resource_selectors = vs.spec.resources.map((r) => selectorBody(namespace, r));
  if (vs.spec.prompts && vs.spec.prompts.length > 0) body.prompt_selectors = vs.spec.prompts.map((p) => selectorBody(namespace, p));
  if (vs.spec.description) body.description = vs.spec.description;
  const users = vs.spec.access?.users ?? [];
  const groups = vs.spec.access?.groups ?? [];
  if (users.length > 0 || groups.length > 0) body.access = { users: [...users], groups: [...groups] };
  return { id, body, hash: specHash(body), source: sourceOf(vs.metadata) };
}

/** One selector of the spec as the admin API takes it: the gateway as an id, empty lists left out. */
function selectorBody(namespace: string, t: { gateway: string; include?: string[] | undefined; exclude?: string[] | undefined; rename?: Record<string, string> | undefined }): Selector {
  const sel: Selector = { gateway_id: gatewayId(namespace, t.gateway) };
  if (t.include && t.include.length > 0) sel.include = [...t.include];
  if (t.exclude && t.exclude.length > 0) sel.exclude = [...t.exclude];
  if (t.rename && Object.keys(t.rename).length > 0) sel.rename = { ...t.rename };
  return sel;
}

type Selector = NonNullable<ServerBody['tool_selectors']>[number];

function resolveSecret(secrets: SecretLookup, namespace: string, path: string, ref: SecretKeyRef): string {
  const data = secrets(namespace, ref.name);
  if (data === undefined) {
    throw new ReconcileError('ERR_SECRET_NOT_FOUND', path, `Secret ${namespace}/${ref.name} not found, or not labelled ${ALLOW_REFERENCE_LABEL}: "true" (only Secrets that opt in can be referenced)`);
  }
  const value = data[ref.key];
  if (value === undefined) {
    throw new ReconcileError('ERR_SECRET_KEY_NOT_FOUND', path, `Secret ${namespace}/${ref.name} has no key "${ref.key}"`);
  }
  return value;
}
