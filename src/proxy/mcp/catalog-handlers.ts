/**
 * The two shapes of agent request handler the catalog methods share, installed on an agent
 * session's SDK `Server` with `setRawRequestHandler` (params read here, results verbatim):
 * - `installList`: a paginated list of what the virtual server serves (`list-pages.ts`).
 * - `installForward`: a request routed to the one gateway that owns what it names, through the
 *   catalog-request core (`catalog-requests.ts`: access, identity, audit, error model).
 * Malformed params are answered `-32602` naming the field.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { z } from 'zod';
import type { ProxyContext } from '../context.ts';
import { ProxyError } from '../errors.ts';
import type { AgentIdentity } from '../registry/types.ts';
import type { CatalogRequest } from './catalog-requests.ts';
import { handlerIdentity } from './request-identity.ts';
import { setRawRequestHandler, type RawHandlerExtra } from './sdk-raw-handler.ts';
import type { ServedList } from './served-lists.ts';

/** One agent session, as its handlers see it. */
export interface AgentScope {
  readonly ctx: ProxyContext;
  readonly mcp: Server;
  readonly serverId: string;
  readonly owner: AgentIdentity;
  readonly transport: 'streamable-http' | 'sse';
}

type Params = Record<string, unknown>;

/** The request's params as an object (absent = `{}`); `-32602` when they are something else. */
function paramsOf(request: { params?: unknown }): Params {
  const p = request.params ?? {};
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new ProxyError('ERR_VALIDATION', 'params: must be an object');
  return p as Params;
}

/** `params[field]` as a non-empty string, or `-32602` naming the field. */
export function stringParam(params: Params, field: string, where = field): string {
  const v = params[field];
  if (typeof v !== 'string' || v === '') throw new ProxyError('ERR_VALIDATION', `${where}: required, a non-empty string`);
  return v;
}

/** One request schema per method, shared by every session (built per session they were a third of an idle session's heap). */
const schemas = new Map<string, z.ZodType<{ method: string; params?: unknown }>>();
function methodSchema(method: string): z.ZodType<{ method: string; params?: unknown }> {
  let schema = schemas.get(method);
  if (schema === undefined) schemas.set(method, (schema = z.looseObject({ method: z.literal(method), params: z.unknown().optional() })));
  return schema;
}

/** Installs `served.method` answering one page of the list (the cached page, `list-pages.ts`). */
export function installList<T>(scope: AgentScope, served: ServedList<T>): void {
  setRawRequestHandler(scope.mcp, methodSchema(served.method), async (request) => {
    const params = paramsOf(request);
    return JSON.parse(listPageJson(scope.ctx, scope.serverId, served, params.cursor)) as Record<string, unknown>;
  });
}

/** The result JSON of the page of `served` that `cursor` points at on server `serverId` (cached per resolution). */
export function listPageJson<T>(ctx: ProxyContext, serverId: string, served: ServedList<T>, cursor: unknown): string {
  const server = ctx.toolCalls.server(serverId);
  return ctx.listPages.serializedPage(server.id, served.list, served.items(ctx.catalog.resolve(server)), served.key, served.show, cursor);
}

/** What a forwarded request names and how it is routed (`CatalogRequest` without the session's part). */
export type Forwarded = Pick<CatalogRequest, 'name' | 'route'> & Partial<Pick<CatalogRequest, 'exchange'>>;

/** Installs `method` forwarding to the gateway `forwarded(params)` routes it to. */
export function installForward(scope: AgentScope, method: string, forwarded: (params: Params, extra: RawHandlerExtra) => Forwarded): void {
  setRawRequestHandler(scope.mcp, methodSchema(method), async (request, extra) => {
    const params = paramsOf(request);
    return scope.ctx.catalogRequests.forward({
      serverId: scope.serverId,
      identity: handlerIdentity(extra, scope.owner),
      transport: scope.transport,
      method,
      signal: extra.signal,
      notify: (n) => extra.sendNotification(n as never),
      clientCapabilities: () => scope.mcp.getClientCapabilities(),
      ...forwarded(params, extra),
    });
  });
}
