/**
 * What a proxy replica reports, said in the terms of the resources a person edits: the admin API
 * speaks in registration ids and body fields (`tool_selectors[0]`, `<gatewayId>/echo`,
 * `allow_private_network`); status and events speak of `spec.tools[0].include[1]`, McpGateway
 * names and `spec.allowPrivateNetwork` — the field that would fix it.
 */
import type { GatewayObserved, ServerObserved } from '../../reconcile/target.ts';

/** The McpGateway name of a gateway registration id, when the cache knows it. */
export type GatewayNameOf = (gatewayId: string) => string | undefined;

const SELECTOR_FIELDS: [RegExp, string][] = [
  [/\btool_selectors\[/g, 'spec.tools['],
  [/\bresource_selectors\[/g, 'spec.resources['],
  [/\bprompt_selectors\[/g, 'spec.prompts['],
];

/** Admin-API field paths → resource fields, gateway ids → McpGateway names. */
export function inResourceTerms(text: string, nameOf: GatewayNameOf): string {
  let out = text;
  for (const [from, to] of SELECTOR_FIELDS) out = out.replace(from, to);
  return out.replace(/\b[0-9a-f]{32}\b/g, (id) => {
    const name = nameOf(id);
    return name === undefined ? id : name;
  });
}

/** A server read with its unmatched selectors and conflict candidates in resource terms. */
export function serverReadInResourceTerms(read: ServerObserved, nameOf: GatewayNameOf): ServerObserved {
  const conflicts = (list: ServerObserved['conflicts'] | undefined) => list?.map((c) => ({ name: c.name, candidates: c.candidates.map((x) => inResourceTerms(x, nameOf)) }));
  const out: ServerObserved = { ...read, unmatched: read.unmatched.map((u) => inResourceTerms(u, nameOf)), conflicts: conflicts(read.conflicts) ?? [] };
  if (read.resourceConflicts) out.resourceConflicts = conflicts(read.resourceConflicts)!;
  if (read.promptConflicts) out.promptConflicts = conflicts(read.promptConflicts)!;
  return out;
}

/**
 * A gateway read whose `lastError` names the field that would fix it: the proxy refuses an upstream
 * on a loopback or private address unless the gateway allows private networks.
 */
export function gatewayReadInResourceTerms(read: GatewayObserved): GatewayObserved {
  const e = read.lastError;
  if (e === null) return read;
  const m = /^(?:url )?(\S+) is refused: it resolves to an? (loopback|private or link-local) address.*$/.exec(e);
  if (!m) return read;
  return { ...read, lastError: `spec.url ${m[1]} is refused: it resolves to a ${m[2]} address; set spec.allowPrivateNetwork: true to allow it` };
}
