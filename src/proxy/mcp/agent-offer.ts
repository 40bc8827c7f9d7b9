/**
 * What an agent is told in `initialize` about its virtual server: the capabilities and the
 * `instructions`. Computed when the agent session is created (its `initialize`), from what the
 * gateways declared in their own last `initialize`.
 *
 * Capabilities (MCP 2025-11-25):
 * - `tools` (with `listChanged`) and `logging`: always; the proxy serves both itself (an empty tool
 *   list, its own `logging/setLevel` filtering the upstreams' log lines).
 * - `prompts`, `resources`, `completions`: the union of what the gateways the server selects that
 *   kind from declare (gateways named by its selectors of that kind, or owning an item it serves), and
 *   only that. `resources.subscribe` when one of them declares it. `listChanged` is the proxy's own:
 *   it announces every change of what the server serves (`list-changed.ts`). `completions` when a
 *   gateway the server takes prompts or resources from declares it.
 *
 * Instructions: the virtual server's `description`, then each selected gateway's own instructions
 * (in gateway-name order), each under a line naming its gateway. Undefined when there are none.
 */
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ResolvedCatalog } from '../catalog/resolve.ts';
import type { ServerRegistration } from '../registry/types.ts';

/** What the offer reads of one gateway: its name and what it declared in `initialize`. */
export interface OfferingGateway {
  name: string;
  capabilities: ServerCapabilities;
  instructions: string | undefined;
}

export interface AgentOffer {
  capabilities: ServerCapabilities;
  instructions: string | undefined;
}

/** The capabilities of a session whose server is gone or unknown: what the proxy serves itself. */
export const PROXY_CAPABILITIES: ServerCapabilities = { tools: { listChanged: true }, logging: {} };

export function agentOffer(server: ServerRegistration, resolved: ResolvedCatalog, gateway: (id: string) => OfferingGateway | undefined): AgentOffer {
  const spec = server.spec;
  const ids = (selectors: readonly { gateway_id: string }[] | undefined, served: readonly { gatewayId: string }[]) => new Set([...(selectors ?? []).map((s) => s.gateway_id), ...served.map((e) => e.gatewayId)]);
  const promptGateways = ids(spec.prompt_selectors, resolved.prompts);
  const resourceGateways = ids(spec.resource_selectors, [...resolved.resources, ...resolved.resourceTemplates]);
  const declared = (gatewayIds: Set<string>, pick: (c: ServerCapabilities) => unknown) => [...gatewayIds].map((id) => gateway(id)?.capabilities).filter((c) => c !== undefined && pick(c) !== undefined) as ServerCapabilities[];

  const capabilities: ServerCapabilities = { ...PROXY_CAPABILITIES };
  if (declared(promptGateways, (c) => c.prompts).length > 0) capabilities.prompts = { listChanged: true };
  const resources = declared(resourceGateways, (c) => c.resources);
  if (resources.length > 0) capabilities.resources = { listChanged: true, ...(resources.some((c) => c.resources?.subscribe === true) ? { subscribe: true } : {}) };
  if (declared(new Set([...promptGateways, ...resourceGateways]), (c) => c.completions).length > 0) capabilities.completions = {};

  const all = new Set([...ids(spec.tool_selectors, resolved.tools), ...promptGateways, ...resourceGateways]);
  const labelled = [...all]
    .map((id) => gateway(id))
    .filter((g): g is OfferingGateway => g !== undefined && typeof g.instructions === 'string' && g.instructions.trim() !== '')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((g) => `Gateway ${g.name}:\n${g.instructions!.trim()}`);
  const parts = [...(spec.description?.trim() ? [spec.description.trim()] : []), ...labelled];
  return { capabilities, instructions: parts.length > 0 ? parts.join('\n\n') : undefined };
}
