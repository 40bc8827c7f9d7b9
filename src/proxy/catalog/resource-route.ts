/**
 * Which gateway answers a resource URI a virtual server serves (for `resources/read`,
 * `resources/subscribe` and resource completions).
 *
 * Contract:
 * - A URI the server lists as a resource is its gateway's.
 * - A URI template the server lists (a completion's `ref/resource` names the template itself) is its gateway's.
 * - Otherwise the URI is matched against the server's templates (RFC 6570, the MCP SDK's matcher):
 *   when the templates of exactly one gateway match, that gateway answers; when those of two or
 *   more match, the URI is ambiguous and no gateway answers it (never a silent winner).
 * - Nothing matches: `undefined` (the URI is not served).
 */
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { ResourceEntry, TemplateEntry } from './resolve.ts';

export type ResourceRoute = { gatewayId: string } | { ambiguous: string[] } | undefined;

/** What routing reads of a resolved server. */
export interface RoutableResources {
  resourceByUri: ReadonlyMap<string, ResourceEntry>;
  resourceTemplates: readonly TemplateEntry[];
}

/** Compiled templates, per template entry (entries live as long as their resolution). */
const compiled = new WeakMap<TemplateEntry, UriTemplate | null>();

function matcher(entry: TemplateEntry): UriTemplate | null {
  let m = compiled.get(entry);
  if (m === undefined) {
    try {
      m = new UriTemplate(entry.uriTemplate);
    } catch {
      m = null; // an upstream's malformed template matches nothing
    }
    compiled.set(entry, m);
  }
  return m;
}

/** Whether `uri` fits `entry`'s template (a URI too long for the matcher fits none). */
function matches(entry: TemplateEntry, uri: string): boolean {
  try {
    return matcher(entry)?.match(uri) != null;
  } catch {
    return false;
  }
}

export function routeResource(served: RoutableResources, uri: string): ResourceRoute {
  const listed = served.resourceByUri.get(uri);
  if (listed) return { gatewayId: listed.gatewayId };
  const named = served.resourceTemplates.find((t) => t.uriTemplate === uri);
  if (named) return { gatewayId: named.gatewayId };
  const gateways = new Set<string>();
  for (const t of served.resourceTemplates) {
    if (gateways.has(t.gatewayId)) continue;
    if (matches(t, uri)) gateways.add(t.gatewayId);
  }
  if (gateways.size === 0) return undefined;
  if (gateways.size === 1) return { gatewayId: [...gateways][0]! };
  return { ambiguous: [...gateways].sort() };
}
