/**
 * The mapping from mcp-gitops registrations (the canonical admin bodies of `src/contract/wire.ts`)
 * to ContextForge objects, and back for comparison. Pure: no I/O.
 *
 * - `gatewayBody` / `serverBody`: what the target sends to ContextForge (snake_case).
 * - `gatewayDrift` / `serverDrift`: the fields in which an object ContextForge holds differs from
 *   what we send, compared the way ContextForge stores them (it rewrites 127.0.0.1 to localhost,
 *   strips HTML from descriptions, masks secrets, lower-cases tags). Secrets cannot be compared
 *   (ContextForge answers `*****`): a change of ours is seen through the spec tag instead.
 * - Ownership tags: every object the operator creates carries `mcp-gitops.dev:owned`, its
 *   registration id, namespace, name and uid, and `mcp-gitops.dev:spec:<hmac>` — a keyed digest of
 *   the whole body sent, secrets included, so a changed Secret is a new spec while the tag, readable by
 *   every ContextForge user who sees the object, says nothing about the secret.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson } from '../contract/digest.ts';
import type { GatewayBody, ServerBody } from '../contract/wire.ts';
import { globMatcher } from '../proxy/catalog/glob.ts';
import type { CfGateway, CfPrompt, CfResource, CfServer, CfTag, CfTool } from './client.ts';

export const TAG_OWNED = 'mcp-gitops.dev:owned';
const TAG_PREFIX = 'mcp-gitops.dev:';
/** ContextForge drops tags longer than this (VALIDATION_MAX_TAG_LENGTH). */
const MAX_TAG = 100;

/** Annotation naming a hand-made ContextForge object (its name or id) the resource takes over. */
export const ADOPT_ANNOTATION = 'contextforge.mcp-gitops.dev/adopt';
/** Annotation choosing a VirtualServer's ContextForge visibility: `public` (default) or `private`. */
export const VISIBILITY_ANNOTATION = 'contextforge.mcp-gitops.dev/visibility';

/** Who an object belongs to: the resource it comes from. */
export interface Owner {
  /** The registration id (`gatewayId()`/`serverId()`). */
  id: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** The value of our tag `key` on a ContextForge object, e.g. `tagValue(o.tags, 'id')`. */
export function tagValue(tags: CfTag[] | undefined, key: string): string | undefined {
  const prefix = `${TAG_PREFIX}${key}:`;
  return (tags ?? []).find((t) => t.id.startsWith(prefix))?.id.slice(prefix.length);
}

/** The object carries our ownership tag and a registration id. */
export function ownedId(tags: CfTag[] | undefined): string | undefined {
  return (tags ?? []).some((t) => t.id === TAG_OWNED) ? tagValue(tags, 'id') : undefined;
}

function ownerTags(owner: Owner): string[] {
  const tags = [TAG_OWNED, `${TAG_PREFIX}id:${owner.id}`, `${TAG_PREFIX}namespace:${owner.namespace}`, `${TAG_PREFIX}name:${owner.name}`];
  if (owner.uid) tags.push(`${TAG_PREFIX}uid:${owner.uid.toLowerCase()}`);
  return tags.filter((t) => t.length <= MAX_TAG);
}

/** Adds the spec tag: HMAC-SHA256 (keyed) of the canonical body, first 16 hex characters. */
function withSpecTag(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const spec = createHmac('sha256', key).update(canonicalJson(body)).digest('hex').slice(0, 16);
  return { ...body, tags: [...(body.tags as string[]), `${TAG_PREFIX}spec:${spec}`] };
}

/** The spec tag a body carries (what `tagValue(live.tags, 'spec')` is when ContextForge holds it). */
export function specOf(body: Record<string, unknown>): string {
  return tagValue(((body.tags as string[]) ?? []).map((t) => ({ id: t, label: t })), 'spec') ?? '';
}

const OAUTH_KEYS = ['grant_type', 'issuer', 'authorization_url', 'token_url', 'redirect_uri', 'scopes', 'audience', 'resource', 'client_id', 'token_endpoint_auth_method'] as const;

/**
 * The ContextForge gateway body (`POST/PUT /v1/gateways`) for a registration. May hold secrets: never log it.
 * `callbackUrl` is ContextForge's own `/oauth/callback` at its public URL: an authorization-code gateway
 * needs a `redirect_uri` (ContextForge 1.0.7 fails `/oauth/authorize` without one), and the callback
 * of this target is ContextForge's, not the proxy's.
 */
export function gatewayBody(g: GatewayBody, owner: Owner, specKey: string, callbackUrl?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: g.name,
    url: g.url,
    transport: g.transport ?? 'STREAMABLEHTTP',
    description: g.description ?? '',
    auth_type: g.auth_type ?? 'none',
    visibility: 'public',
    tags: ownerTags(owner),
  };
  if (g.refresh_interval_seconds !== undefined) body.refresh_interval_seconds = Math.max(60, g.refresh_interval_seconds);
  if (g.auth_type === 'bearer') body.auth_token = g.auth_token;
  if (g.auth_type === 'authheaders') body.auth_headers = (g.auth_headers ?? []).map((h) => ({ key: h.key, value: h.value }));
  if (g.auth_type === 'oauth' && g.oauth_config) {
    const o = g.oauth_config;
    const cfg: Record<string, unknown> = {};
    for (const k of OAUTH_KEYS) if (o[k] !== undefined) cfg[k] = o[k];
    if (cfg.redirect_uri === undefined && callbackUrl && (o.grant_type ?? 'authorization_code') === 'authorization_code') cfg.redirect_uri = callbackUrl;
    if (o.client_secret !== undefined) cfg.client_secret = o.client_secret;
    body.oauth_config = cfg;
  }
  return withSpecTag(body, specKey);
}

/** Fields of `live` that differ from `body` (names as in the ContextForge API), in a stable order. */
export function gatewayDrift(live: CfGateway, body: Record<string, unknown>): string[] {
  const drift: string[] = [];
  if (live.name !== body.name) drift.push('name');
  if (sameUrl(live.url) !== sameUrl(body.url as string)) drift.push('url');
  if ((live.transport ?? '').toUpperCase() !== body.transport) drift.push('transport');
  if (plainText(live.description) !== plainText(body.description as string)) drift.push('description');
  const authType = live.authType ? live.authType.toLowerCase() : 'none';
  if (authType !== body.auth_type) drift.push('auth_type');
  else if (authType === 'authheaders') {
    const keys = (h: { key: string }[] | null | undefined) => (h ?? []).map((x) => x.key.toLowerCase()).sort().join(',');
    if (keys(live.authHeaders) !== keys(body.auth_headers as { key: string }[])) drift.push('auth_headers');
  } else if (authType === 'oauth') {
    const want = (body.oauth_config ?? {}) as Record<string, unknown>;
    const have = live.oauthConfig ?? {};
    for (const k of OAUTH_KEYS) if (canonicalJson(want[k] ?? null) !== canonicalJson(have[k] ?? null)) drift.push(`oauth_config.${k}`);
  }
  if (live.visibility !== body.visibility) drift.push('visibility');
  if (!sameTags(live.tags, body.tags as string[])) drift.push('tags');
  if (!live.enabled) drift.push('enabled');
  return drift;
}

/** How one VirtualServer's selectors resolved against what ContextForge discovered. */
export interface Resolution {
  toolIds: string[];
  resourceIds: string[];
  promptIds: string[];
  /** Selectors, include patterns and spec fields ContextForge cannot honour, described for a human. */
  unmatched: string[];
}

/** A gateway of ours as ContextForge holds it, with what it discovered. */
export interface DiscoveredGateway {
  gateway: CfGateway;
  tools: CfTool[];
  resources: CfResource[];
  prompts: CfPrompt[];
}

/**
 * Resolves a server body's selectors over ContextForge's catalog. A pattern matches a tool's
 * upstream name or its ContextForge name (`<gateway-slug>-<tool-slug>`), so the same VirtualServer
 * selects the same tools on either target. Renames, `naming: Plain` and `access` have no ContextForge
 * equivalent per server: each is reported in `unmatched`, never dropped silently.
 */
export function resolveSelectors(s: ServerBody, gateways: Map<string, DiscoveredGateway>): Resolution {
  const unmatched: string[] = [];
  const pick = <T extends { id: string }>(
    noun: string,
    selectors: { gateway_id: string; include?: string[]; exclude?: string[]; rename?: Record<string, string> }[] | undefined,
    items: (d: DiscoveredGateway) => T[],
    names: (t: T) => string[],
  ): string[] => {
    const ids = new Set<string>();
    for (const [i, sel] of (selectors ?? []).entries()) {
      const where = `${noun}s[${i}]`;
      const d = gateways.get(sel.gateway_id);
      if (!d) {
        unmatched.push(`${where}: gateway ${sel.gateway_id} is not registered in ContextForge`);
        continue;
      }
      const all = items(d);
      const label = d.gateway.slug;
      const matches = (patterns: string[], t: T) => patterns.some((p) => names(t).some(globMatcher(p)));
      const included = sel.include && sel.include.length > 0 ? all.filter((t) => matches(sel.include!, t)) : all;
      for (const p of sel.include ?? []) if (!all.some((t) => matches([p], t))) unmatched.push(`${where}: include "${p}" matched no ${noun} of gateway ${label}`);
      if (!sel.include?.length && all.length === 0) unmatched.push(`${where}: gateway ${label} has no discovered ${noun}s yet`);
      const selected = included.filter((t) => !matches(sel.exclude ?? [], t));
      for (const t of selected) ids.add(t.id);
      for (const [from, to] of Object.entries(sel.rename ?? {})) {
        const hit = selected.find((t) => matches([from], t));
        unmatched.push(
          `${where}: rename "${from}" → "${to}" cannot be expressed in ContextForge (a ${noun} has one name on every server: <gateway-slug>-<${noun}-slug>)${hit ? `; served as "${names(hit)[1] ?? names(hit)[0]}"` : ''}`,
        );
      }
    }
    return [...ids].sort();
  };
  const toolIds = pick('tool', s.tool_selectors, (d) => d.tools, (t) => [t.originalName, t.name]);
  const resourceIds = pick('resource', s.resource_selectors, (d) => d.resources, (r) => [r.uri, ...(r.uriTemplate ? [r.uriTemplate] : [])]);
  const promptIds = pick('prompt', s.prompt_selectors, (d) => d.prompts, (p) => [p.originalName, p.name]);
  if (s.naming === 'Plain') unmatched.push('naming: Plain cannot be expressed in ContextForge (it always names tools and prompts <gateway-slug>-<name-slug>); served Prefixed');
  if ((s.access?.users?.length ?? 0) > 0 || (s.access?.groups?.length ?? 0) > 0) {
    unmatched.push('access: users and groups cannot be expressed in ContextForge (it grants by team and visibility); registered private, usable only by the ContextForge admin, until access is removed');
  }
  return { toolIds, resourceIds, promptIds, unmatched };
}

/** The ContextForge server body (`PUT /v1/servers/{id}`; `POST` wraps it in `{server}`). */
export function serverBody(s: ServerBody, r: Resolution, owner: Owner, visibility: 'public' | 'private', specKey: string): Record<string, unknown> {
  const restricted = (s.access?.users?.length ?? 0) > 0 || (s.access?.groups?.length ?? 0) > 0;
  return withSpecTag(
    {
      name: s.name,
      description: s.description ?? '',
      associated_tools: r.toolIds,
      associated_resources: r.resourceIds,
      associated_prompts: r.promptIds,
      visibility: restricted ? 'private' : visibility,
      tags: ownerTags(owner),
    },
    specKey,
  );
}

export function serverDrift(live: CfServer, body: Record<string, unknown>): string[] {
  const drift: string[] = [];
  const sameSet = (a: string[] | undefined, b: unknown) => [...(a ?? [])].sort().join(',') === [...((b as string[]) ?? [])].sort().join(',');
  if (live.name !== body.name) drift.push('name');
  if (plainText(live.description) !== plainText(body.description as string)) drift.push('description');
  if (!sameSet(live.associatedToolIds, body.associated_tools)) drift.push('associated_tools');
  if (!sameSet(live.associatedResources, body.associated_resources)) drift.push('associated_resources');
  if (!sameSet(live.associatedPrompts, body.associated_prompts)) drift.push('associated_prompts');
  if (live.visibility !== body.visibility) drift.push('visibility');
  if (!sameTags(live.tags, body.tags as string[])) drift.push('tags');
  if (!live.enabled) drift.push('enabled');
  return drift;
}

/** ContextForge stores `http://127.0.0.1…` as `http://localhost…`. */
function sameUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.hostname === '127.0.0.1') u.hostname = 'localhost';
    return u.toString();
  } catch {
    return url;
  }
}

/** A description as ContextForge keeps it: HTML tags removed, whitespace collapsed, null as empty. */
function plainText(s: string | null | undefined): string {
  return (s ?? '').replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
}

function sameTags(live: CfTag[] | undefined, want: string[]): boolean {
  const a = (live ?? []).map((t) => t.id).sort();
  const b = want.map((t) => t.toLowerCase()).sort();
  return a.join('\n') === b.join('\n');
}
