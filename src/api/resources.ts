/**
 * The resources of the `mcp-gitops.dev` API group and one entry point to parse either kind from an
 * untyped object (a YAML document, a watch event), with every problem named by field.
 */
import type { z } from 'zod';
import { McpGateway } from './mcp-gateway.ts';
import { VirtualServer } from './virtual-server.ts';
import { API_VERSION, GROUP, MCP_GATEWAY, VIRTUAL_SERVER, type Kind } from './names.ts';
import { problemsFromIssue, type Problem } from './problems.ts';

export { API_VERSION, CATEGORY, GROUP, MCP_GATEWAY, VERSION, VIRTUAL_SERVER } from './names.ts';
export type { Kind, KindNames } from './names.ts';
export type { Problem } from './problems.ts';

/** Either kind of resource. */
export type Resource = McpGateway | VirtualServer;

/** The result of {@link parseResource}: the typed, defaulted resource, or every problem found. */
export type ParseResult =
  | { readonly ok: true; readonly resource: Resource }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** The kinds of this group and their whole-resource schemas. */
export const SCHEMAS: Readonly<Record<Kind, z.ZodType<Resource>>> = {
  McpGateway,
  VirtualServer,
};

/** `true` when `kind` is one of this group's kinds. */
export function isOwnKind(kind: unknown): kind is Kind {
  return kind === MCP_GATEWAY.kind || kind === VIRTUAL_SERVER.kind;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses an McpGateway or VirtualServer from `obj`, applying the schema's defaults and the same
 * cross-field rules the CRD's CEL enforces. `where` (a file and document, an object key) is set as
 * every problem's `where`. Never throws; never echoes a field's value.
 *
 * @example
 * const r = parseResource(yamlDoc, 'gw.yaml#1');
 * if (!r.ok) for (const p of r.problems) console.error(`gw.yaml#1: ${p.path}: ${p.message}`);
 */
export function parseResource(obj: unknown, where?: string): ParseResult {
  const fail = (path: string, message: string): ParseResult => ({ ok: false, problems: [withWhere({ path, message }, where)] });
  if (!isRecord(obj)) return fail('', 'must be a mapping with apiVersion, kind, metadata and spec');
  const { apiVersion, kind } = obj;
  if (!isOwnKind(kind)) {
    return fail('kind', `must be ${MCP_GATEWAY.kind} or ${VIRTUAL_SERVER.kind}`);
  }
  if (apiVersion !== API_VERSION) {
    const message =
      typeof apiVersion === 'string' && apiVersion.startsWith(`${GROUP}/`)
        ? `version is not served: use ${API_VERSION}`
        : `must be ${API_VERSION}`;
    return fail('apiVersion', message);
  }
  const result = SCHEMAS[kind].safeParse(obj);
  if (result.success) return { ok: true, resource: result.data };
  return { ok: false, problems: result.error.issues.flatMap((i) => problemsFromIssue(i)).map((p) => withWhere(p, where)) };
}

function withWhere(p: Problem, where: string | undefined): Problem {
  return where === undefined ? p : { ...p, where };
}
