/**
 * The admin API (docs/admin-api.md), served at `/X` and `/v1/X`. Every route needs the admin
 * token. `POST /gateways` refuses an upstream the proxy would not connect to and answers after the
 * first discovery (bounded, gateway-admission.ts); `PUT` (the operator's) stores and answers at
 * once, connecting and discovery run in the background. A failed request changes nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gatewayId as defaultGatewayId, promptId, resourceId, resourceTemplateId, serverId as defaultServerId, toolId } from '../../api/ids.ts';
import type { ProxyContext } from '../context.ts';
import type { GatewayRuntime } from '../upstream/gateway-runtime.ts';
import { ProxyError } from '../errors.ts';
import { decodePathSegment, parseBody, readJson, sendJson } from '../http/io.ts';
import { awaitFirstDiscovery, refuseUnreachableByPolicy } from './gateway-admission.ts';
import { stateRead } from './state.ts';
import { specHash } from '../../contract/digest.ts';
import { gatewayPromptReads, gatewayRead, gatewayResourceReads, gatewayToolReads, serverPromptReads, serverRead, serverResourceReads, toolRead } from './views.ts';
import { GatewayCreate, GatewayUpdate, Id, ServerCreate, ServerUpdate, StateSynced, type ServerSpec, type ToolRead } from '../../contract/wire.ts';

/** Serves `req` when it is an admin route; resolves false when no admin route matches its path. */
export async function handleAdmin(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname.replace(/^\/v1(?=\/)/, '').replace(/\/+$/, '');
  const seg = path.split('/').slice(1).map(decodePathSegment);
  const [collection, id, sub, subsub] = seg;
  if (collection !== 'gateways' && collection !== 'servers' && collection !== 'tools' && collection !== 'resources' && collection !== 'prompts' && collection !== 'state') return false;
  if (collection === 'tools' && id === 'invoke') return false; // an agent route
  const m = req.method ?? 'GET';
  ctx.checkAdmin(req);

  if (collection === 'gateways') {
    if (id === undefined) {
      if (m === 'GET') return done(sendJson(res, 200, [...ctx.store.gateways.values()].map((g) => readGateway(ctx, g.id))));
      if (m === 'POST') return done(await postGateway(ctx, req, res));
    } else if (sub === undefined) {
      if (m === 'GET') return done(sendJson(res, 200, readGateway(ctx, findGateway(ctx, id).id)));
      if (m === 'PUT') return done(await putGateway(ctx, req, res, id));
      if (m === 'DELETE') return done(await deleteGateway(ctx, res, id));
    } else if (sub === 'tools' && subsub === 'refresh' && m === 'POST') {
      const g = findGateway(ctx, id);
      // A failed refresh is recorded as the gateway's lastError (its status shows it); the answer below reports the gateway as it is.
      await ctx.pool.get(g.id)?.refresh().catch(() => {});
      return done(sendJson(res, 200, readGateway(ctx, g.id)));
    }
  } else if (collection === 'servers') {
    if (id === undefined) {
      if (m === 'GET') return done(sendJson(res, 200, [...ctx.store.servers.values()].map((s) => serverRead(s, ctx.catalog.resolve(s)))));
      if (m === 'POST') return done(await postServer(ctx, req, res));
    } else if (sub === undefined) {
      if (m === 'GET') {
        const s = findServer(ctx, id);
        return done(sendJson(res, 200, serverRead(s, ctx.catalog.resolve(s))));
      }
      if (m === 'PUT') return done(await putServer(ctx, req, res, id));
      if (m === 'DELETE') {
        const s = ctx.store.findServer(id);
        if (!s) throw new ProxyError('ERR_NOT_FOUND', `server ${id} not found`);
        ctx.store.deleteServer(s.id);
        ctx.registrationsChanged({ servers: [s.id] });
        for (const session of [...ctx.sessions.ofServer(s.id)]) {
          ctx.sessions.delete(session.id);
          void session.close().catch(() => {}); // already removed from the table: nothing can use it, its agent reconnects
        }
        return done(sendJson(res, 200, { status: 'success', message: `Server ${s.id} deleted successfully` }));
      }
    } else if (sub === 'tools' && subsub === undefined && m === 'GET') {
      const s = findServer(ctx, id);
      const tools: ToolRead[] = ctx.catalog.resolve(s).tools.map((e) => {
        const rt = ctx.pool.get(e.gatewayId);
        return toolRead(e, rt?.registration.slug ?? '', rt?.reachable ?? false, rt?.registration.spec.enabled ?? false);
      });
      return done(sendJson(res, 200, tools));
    } else if (sub === 'resources' && subsub === undefined && m === 'GET') {
      return done(sendJson(res, 200, serverResourceReads(ctx.catalog.resolve(findServer(ctx, id)), (g) => ctx.pool.get(g))));
    } else if (sub === 'prompts' && subsub === undefined && m === 'GET') {
      return done(sendJson(res, 200, serverPromptReads(ctx.catalog.resolve(findServer(ctx, id)), (g) => ctx.pool.get(g))));
    }
  } else if (collection === 'tools' && id === undefined && m === 'GET') {
    return done(sendJson(res, 200, listOf(ctx, url, 'tools', gatewayToolReads)));
  } else if (collection === 'resources' && id === undefined && m === 'GET') {
    return done(sendJson(res, 200, listOf(ctx, url, 'resources', gatewayResourceReads)));
  } else if (collection === 'prompts' && id === undefined && m === 'GET') {
    return done(sendJson(res, 200, listOf(ctx, url, 'prompts', gatewayPromptReads)));
  } else if (collection === 'state') {
    if (id === undefined && m === 'GET') return done(sendJson(res, 200, stateRead(ctx)));
    if (id === 'synced' && m === 'POST') {
      const { digest } = parseBody(StateSynced, await readJson(req), 'state/synced body');
      if (!ctx.store.markSynced(digest)) {
        throw new ProxyError('ERR_DIGEST_MISMATCH', `digest ${digest} does not match this replica's ${ctx.store.digest()}`, { details: [{ path: 'digest', message: `expected ${ctx.store.digest()}` }] });
      }
      return done(sendJson(res, 200, { digest, ready: true }));
    }
  }
  throw new ProxyError('ERR_METHOD_NOT_ALLOWED', `${m} ${url.pathname} is not an admin API route`);
}

/** Marks a route as served: `return done(sendJson(…))`. */
function done(_: void): true {
  return true;
}

function findGateway(ctx: ProxyContext, ref: string) {
  const g = ctx.store.findGateway(ref);
  if (!g) throw new ProxyError('ERR_NOT_FOUND', `gateway ${ref.slice(0, 100)} not found`);
  return g;
}

function findServer(ctx: ProxyContext, ref: string) {
  const s = ctx.store.findServer(ref);
  if (!s) throw new ProxyError('ERR_NOT_FOUND', `server ${ref.slice(0, 100)} not found`);
  return s;
}

function readGateway(ctx: ProxyContext, id: string) {
  const g = ctx.store.gateways.get(id)!;
  const rt = ctx.pool.get(id);
  const read = gatewayRead(g, rt, ctx.credentials.authorizedUsers?.(g) ?? rt?.userSessions ?? 0);
  const note = read.toolCount === 0 ? ctx.credentials.consentNote?.(g) : undefined;
  return note === undefined ? read : { ...read, lastError: note };
}

/** The path id of a PUT: a 32-hex id (dashed UUIDs normalised). */
function pathId(raw: string, kind: string): string {
  const r = Id.safeParse(raw);
  if (!r.success) throw new ProxyError('ERR_VALIDATION', `${kind} id in the path: must be 32 hexadecimal characters`, { details: [{ path: 'id', message: 'must be 32 hexadecimal characters' }] });
  return r.data as string;
}

function bodyOf(raw: unknown): Record<string, unknown> {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

async function postGateway(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readJson(req);
  const spec = parseBody(GatewayCreate, raw, 'gateway');
  const id = spec.id ?? defaultGatewayId(spec.namespace, spec.name);
  if (ctx.store.gateways.has(id)) throw new ProxyError('ERR_CONFLICT', `Gateway name already exists: ${spec.name} (id ${id}); use PUT /gateways/${id} to replace it`);
  const clash = ctx.store.findGateway(spec.name);
  if (clash) throw new ProxyError('ERR_CONFLICT', `Gateway name already exists: ${spec.name} (id ${clash.id})`);
  await refuseUnreachableByPolicy(spec, ctx.upstreamUrlPolicy);
  if (ctx.store.gateways.has(id)) throw new ProxyError('ERR_CONFLICT', `Gateway name already exists: ${spec.name} (id ${id})`); // posted while we resolved
  const { registration } = ctx.store.putGateway(id, spec, specHash(bodyOf(raw)));
  ctx.pool.upsert(registration);
  ctx.registrationsChanged({ gateways: [id] });
  await awaitFirstDiscovery(ctx.pool.get(id));
  if (!ctx.store.gateways.has(id)) throw new ProxyError('ERR_NOT_FOUND', `gateway ${id} was deleted while its first discovery ran`);
  sendJson(res, 200, readGateway(ctx, id));
}

async function putGateway(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, rawId: string): Promise<void> {
  const id = pathId(rawId, 'gateway');
  const raw = await readJson(req);
  const spec = parseBody(GatewayUpdate, raw, 'gateway');
  if (spec.id !== undefined && spec.id !== id) throw new ProxyError('ERR_VALIDATION', `id in the body (${spec.id}) differs from the path id (${id})`, { details: [{ path: 'id', message: 'must equal the path id' }] });
  const { registration, created } = ctx.store.putGateway(id, { ...spec, id }, specHash(bodyOf(raw)));
  ctx.pool.upsert(registration);
  ctx.registrationsChanged({ gateways: [id] });
  sendJson(res, created ? 201 : 200, readGateway(ctx, id));
}

async function deleteGateway(ctx: ProxyContext, res: ServerResponse, ref: string): Promise<void> {
  const g = ctx.store.findGateway(ref);
  if (!g) throw new ProxyError('ERR_NOT_FOUND', `gateway ${ref.slice(0, 100)} not found`);
  ctx.store.deleteGateway(g.id);
  await ctx.pool.remove(g.id);
  ctx.registrationsChanged({ gateways: [g.id] });
  sendJson(res, 200, { status: 'success', message: `Gateway ${g.id} deleted` });
}

async function postServer(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readJson(req);
  const { server: spec } = parseBody(ServerCreate, raw, 'server');
  const id = spec.id ?? defaultServerId(spec.namespace, spec.name);
  if (ctx.store.servers.has(id)) throw new ProxyError('ERR_CONFLICT', `Server already exists with name: ${spec.name} (id ${id}); use PUT /servers/${id} to replace it`);
  refuseNameClash(ctx, spec, id);
  checkAssociatedIds(ctx, spec);
  const { registration } = ctx.store.putServer(id, spec, specHash(bodyOf(bodyOf(raw).server)));
  ctx.registrationsChanged({ servers: [id] });
  sendJson(res, 201, serverRead(registration, ctx.catalog.resolve(registration)));
}

async function putServer(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, rawId: string): Promise<void> {
  const id = pathId(rawId, 'server');
  const raw = await readJson(req);
  const spec = parseBody(ServerUpdate, raw, 'server');
  if (spec.id !== undefined && spec.id !== id) throw new ProxyError('ERR_VALIDATION', `id in the body (${spec.id}) differs from the path id (${id})`, { details: [{ path: 'id', message: 'must equal the path id' }] });
  refuseNameClash(ctx, spec, id);
  const { registration, created } = ctx.store.putServer(id, { ...spec, id }, specHash(bodyOf(raw)));
  ctx.registrationsChanged({ servers: [id] });
  sendJson(res, created ? 201 : 200, serverRead(registration, ctx.catalog.resolve(registration)));
}

/** A server name is unique within its namespace (POST and PUT alike); other namespaces may reuse it. */
function refuseNameClash(ctx: ProxyContext, spec: ServerSpec, id: string): void {
  const clash = ctx.store.serverNamed(spec.namespace, spec.name, id);
  if (clash) throw new ProxyError('ERR_CONFLICT', `Server already exists with name: ${spec.namespace}/${spec.name} (id ${clash.id})`, { details: [{ path: 'name', message: `namespace ${spec.namespace} already has a server ${spec.name} (id ${clash.id})` }] });
}

/**
 * `POST /servers` refuses associated ids no discovered item has (ContextForge answers "Tool with id
 * … does not exist"); a `PUT` keeps them and reports them in `unmatched`, as a reconcile needs.
 */
function checkAssociatedIds(ctx: ProxyContext, spec: ServerSpec): void {
  const known = new Set<string>();
  for (const rt of ctx.pool.values()) {
    const o = rt.offer;
    for (const t of o.tools) known.add(toolId(rt.id, t.name));
    for (const p of o.prompts) known.add(promptId(rt.id, p.name));
    for (const r of o.resources) known.add(resourceId(rt.id, r.uri));
    for (const t of o.resourceTemplates) known.add(resourceTemplateId(rt.id, t.uriTemplate));
  }
  const details: { path: string; message: string }[] = [];
  for (const [field, noun, ids] of [
    ['associated_tools', 'Tool', spec.associated_tools],
    ['associated_resources', 'Resource', spec.associated_resources],
    ['associated_prompts', 'Prompt', spec.associated_prompts],
  ] as const) {
    for (const id of ids) if (!known.has(id)) details.push({ path: `server.${field}`, message: `${noun} with id ${id} does not exist` });
  }
  if (details.length > 0) throw new ProxyError('ERR_VALIDATION', details.map((d) => `${d.path}: ${d.message}`).join('; '), { details });
}

/** `GET /tools|resources|prompts`: every gateway's items (or `gateway_id`'s), sorted by name, ContextForge's paging. */
function listOf<T extends { name: string }>(ctx: ProxyContext, url: URL, key: string, readsOf: (rt: GatewayRuntime) => T[]): T[] | Record<string, T[] | string | null> {
  const gw = url.searchParams.get('gateway_id') ?? url.searchParams.get('gatewayId');
  const all: T[] = [];
  for (const rt of ctx.pool.values()) if (!gw || rt.id === gw) all.push(...readsOf(rt));
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const limit = Number(url.searchParams.get('limit') ?? '0');
  const offset = Number(url.searchParams.get('cursor') ?? '0');
  const start = Number.isInteger(offset) && offset > 0 ? offset : 0;
  const page = Number.isInteger(limit) && limit > 0 ? all.slice(start, start + limit) : all.slice(start);
  if (url.searchParams.get('include_pagination') === 'true') {
    const next = start + page.length < all.length ? String(start + page.length) : null;
    return { [key]: page, nextCursor: next };
  }
  return page;
}
