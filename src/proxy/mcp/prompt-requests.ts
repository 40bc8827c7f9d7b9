/**
 * Prompts through a virtual server: `prompts/list` (paginated, under the served names — renamed or
 * `<gateway>-<prompt>` by the naming policy — the rest of each entry verbatim) and `prompts/get`,
 * sent to the prompt's gateway under its upstream name with the agent's params otherwise verbatim.
 *
 * Installed only when the server declares `prompts` to the agent (`agent-offer.ts`); otherwise the
 * SDK answers `-32601`.
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedCatalogServer } from '../catalog/catalog.ts';
import { ProxyError } from '../errors.ts';
import type { Routed } from './catalog-requests.ts';
import { installForward, installList, stringParam, type AgentScope } from './catalog-handlers.ts';
import { PROMPTS } from './served-lists.ts';

/** The gateway and upstream name of served prompt `name`, or `ERR_UNKNOWN_PROMPT`. */
export function promptRoute(served: ResolvedCatalogServer, name: string): { gatewayId: string; upstreamName: string } {
  const entry = served.promptByName.get(name);
  if (!entry) throw new ProxyError('ERR_UNKNOWN_PROMPT', `Unknown prompt: ${name.slice(0, 200)}`);
  return { gatewayId: entry.gatewayId, upstreamName: entry.originalName };
}

export function installPromptRequests(scope: AgentScope, declared: ServerCapabilities['prompts']): void {
  if (!declared) return;
  installList(scope, PROMPTS);
  installForward(scope, 'prompts/get', (params) => {
    const name = stringParam(params, 'name');
    return {
      name,
      route: (served): Routed => {
        const { gatewayId, upstreamName } = promptRoute(served, name);
        return { gatewayId, upstreamName, params: { ...params, name: upstreamName } };
      },
    };
  });
}
