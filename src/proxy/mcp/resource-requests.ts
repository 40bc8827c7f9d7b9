/**
 * Resources through a virtual server: `resources/list` and `resources/templates/list` (paginated,
 * the upstreams' entries verbatim under their own URIs), `resources/read` and
 * `resources/subscribe|unsubscribe` routed to the gateway that owns the URI (`catalog/resource-route.ts`:
 * a listed resource, else the one gateway whose templates match), params passed on verbatim.
 * Subscriptions are shared per upstream session (`resource-subscriptions.ts`); updates reach the
 * subscribed agents as `notifications/resources/updated`.
 *
 * Installed only when the server declares `resources` to the agent (`agent-offer.ts`), the
 * subscribe pair only with `resources.subscribe`; otherwise the SDK answers `-32601`.
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { routeResource } from '../catalog/resource-route.ts';
import type { ResolvedCatalogServer } from '../catalog/catalog.ts';
import { ProxyError } from '../errors.ts';
import type { Routed } from './catalog-requests.ts';
import { installForward, installList, stringParam, type AgentScope } from './catalog-handlers.ts';
import { RESOURCE_TEMPLATES, RESOURCES } from './served-lists.ts';
import type { ResourceSubscriber } from './resource-subscriptions.ts';

/** The gateway that answers `uri` for this server, or `ERR_UNKNOWN_RESOURCE`. */
export function resourceRoute(served: ResolvedCatalogServer, uri: string, params: Record<string, unknown>): Routed {
  const route = routeResource(served, uri);
  if (!route) throw new ProxyError('ERR_UNKNOWN_RESOURCE', `Resource not found: ${uri.slice(0, 200)} is not served by this server`);
  if ('ambiguous' in route) throw new ProxyError('ERR_UNKNOWN_RESOURCE', `Resource not found: ${uri.slice(0, 200)} matches resource templates of several gateways (${route.ambiguous.join(', ')}), a conflict this server serves from neither`);
  return { gatewayId: route.gatewayId, params };
}

export function installResourceRequests(scope: AgentScope, declared: ServerCapabilities['resources'], subscriber: ResourceSubscriber): void {
  if (!declared) return;
  installList(scope, RESOURCES);
  installList(scope, RESOURCE_TEMPLATES);
  installForward(scope, 'resources/read', (params) => {
    const uri = stringParam(params, 'uri');
    return { name: uri, route: (served) => resourceRoute(served, uri, params) };
  });
  if (!declared.subscribe) return;
  const subscriptions = scope.ctx.resourceSubscriptions;
  installForward(scope, 'resources/subscribe', (params) => {
    const uri = stringParam(params, 'uri');
    return { name: uri, route: (served) => resourceRoute(served, uri, params), exchange: (session, _routed, options) => subscriptions.subscribe(subscriber, session, uri, options) };
  });
  installForward(scope, 'resources/unsubscribe', (params) => {
    const uri = stringParam(params, 'uri');
    return { name: uri, route: (served) => resourceRoute(served, uri, params), exchange: (session, _routed, options) => subscriptions.unsubscribe(subscriber, session, uri, options) };
  });
}
