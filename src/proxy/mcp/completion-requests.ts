/**
 * `completion/complete` through a virtual server, routed by its `ref`: `ref/prompt` to the
 * prompt's gateway with the prompt's upstream name, `ref/resource` (a URI template or URI) to the
 * gateway that owns it (`resource-requests.ts`); the rest of the params verbatim.
 *
 * Installed only when the server declares `completions` to the agent (`agent-offer.ts`).
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ProxyError } from '../errors.ts';
import { installForward, stringParam, type AgentScope } from './catalog-handlers.ts';
import { promptRoute } from './prompt-requests.ts';
import { resourceRoute } from './resource-requests.ts';

export function installCompletionRequests(scope: AgentScope, declared: ServerCapabilities['completions']): void {
  if (!declared) return;
  installForward(scope, 'completion/complete', (params) => {
    const ref = params.ref;
    if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) throw new ProxyError('ERR_VALIDATION', 'ref: required, an object');
    const r = ref as Record<string, unknown>;
    if (r.type === 'ref/prompt') {
      const name = stringParam(r, 'name', 'ref.name');
      return {
        name,
        route: (served) => {
          const { gatewayId, upstreamName } = promptRoute(served, name);
          return { gatewayId, upstreamName, params: { ...params, ref: { ...r, name: upstreamName } } };
        },
      };
    }
    if (r.type === 'ref/resource') {
      const uri = stringParam(r, 'uri', 'ref.uri');
      return { name: uri, route: (served) => resourceRoute(served, uri, params) };
    }
    throw new ProxyError('ERR_VALIDATION', 'ref.type: must be "ref/prompt" or "ref/resource"');
  });
}
