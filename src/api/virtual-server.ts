/**
 * VirtualServer: a curated set of tools from one or more McpGateways, served to agents as one MCP
 * endpoint. The zod schemas here are the single source of truth: the CRD is generated from them.
 */
import { z } from 'zod';
import { Conditions } from './conditions.ts';
import { count, mapListOf, mapOf, objectName, ObjectMeta, setOf } from './fields.ts';
import { API_VERSION } from './names.ts';
import { ReplicaStatuses } from './replica-status.ts';

/** A name an agent sees: 1–128 of `A-Za-z0-9_.-` (the MCP tool-name recommendation). */
export const ToolName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be 1-128 characters of A-Z, a-z, 0-9, "_", "-" and "."');

/** An upstream tool name, or a glob over names (`*` any run of characters, `?` one character). */
export const ToolPattern = z.string().min(1).max(256);

/** Selects tools of one McpGateway. */
export const ToolSelector = z
  .strictObject({
    gateway: objectName('Name of the McpGateway, in the same namespace, whose tools are selected.'),
    include: setOf(ToolPattern, 256, 'Upstream tool names or globs (* and ?) to include. Omitted: all tools of the gateway.').optional(),
    exclude: setOf(ToolPattern, 256, 'Upstream tool names or globs to leave out; applied after include.').optional(),
    rename: mapOf(ToolPattern, ToolName, 256)
      .optional()
      .describe(
        'Upstream tool name → the exact name agents see. A renamed tool is not prefixed by the naming policy; ' +
          'a name claimed twice is reported in status.conflicts.',
      ),
  })
  .describe('Selects tools of one McpGateway: include, then exclude, then rename.');
export type ToolSelector = z.infer<typeof ToolSelector>;

/** Who may use the VirtualServer. */
export const AccessSpec = z
  .strictObject({
    users: setOf(z.string().min(1).max(256), 1024, "Users (the agent token's sub) allowed to use this server.").optional(),
    groups: setOf(z.string().min(1).max(256), 256, "Groups (the agent token's groups claim) allowed to use this server.").optional(),
  })
  .describe('Which agents may use this server: listed users or members of listed groups. Both empty or omitted: any authenticated agent.');
export type AccessSpec = z.infer<typeof AccessSpec>;

/** The desired state of a VirtualServer. */
export const VirtualServerSpec = z
  .strictObject({
    description: z.string().max(1024).optional().describe('Human-readable description, shown to agents as the server instructions.'),
    tools: z.array(ToolSelector).min(1).max(64).describe('Tool selectors, one or more per McpGateway.'),
    naming: z
      .enum(['Prefixed', 'Plain'])
      .default('Prefixed')
      .describe(
        'How tools are named for agents. Prefixed (default): <gateway-slug>-<tool-slug>, as ContextForge does. ' +
          'Plain: upstream names as they are; names offered by two gateways are reported in status.conflicts and not served.',
      ),
    access: AccessSpec.prefault({}),
  })
  .describe('VirtualServerSpec: a curated tool set served to agents as one MCP endpoint.');
export type VirtualServerSpec = z.infer<typeof VirtualServerSpec>;

/** A name offered by more than one selected tool. */
export const ToolConflict = z
  .object({
    name: z.string().min(1).max(256).describe('The name agents would see.'),
    candidates: z.array(z.string().max(512)).max(64).describe('The tools claiming it, as <gateway>/<upstream tool name>.'),
  })
  .describe('A tool name claimed by more than one selected tool; none of them is served under it.');
export type ToolConflict = z.infer<typeof ToolConflict>;

/** The observed state of a VirtualServer, written by the operator. */
export const VirtualServerStatus = z
  .object({
    observedGeneration: count('The metadata.generation the status was computed for.').optional().meta({ format: 'int64' }),
    conditions: Conditions.optional(),
    toolCount: count('Number of tools served.').optional(),
    endpoint: z.string().max(2048).optional().describe('The MCP endpoint agents connect to (Streamable HTTP).'),
    unmatched: z
      .array(z.string().max(512))
      .max(256)
      .optional()
      .describe('Selectors that matched no tool, e.g. tools[0].include[1] "getConfluencePage".'),
    conflicts: mapListOf(ToolConflict, 'name', 256, 'Names claimed by more than one tool.').optional(),
    replicas: ReplicaStatuses.optional(),
  })
  .describe('VirtualServerStatus: what the proxy replicas serve.');
export type VirtualServerStatus = z.infer<typeof VirtualServerStatus>;

/** A whole VirtualServer resource. */
export const VirtualServer = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('VirtualServer'),
  metadata: ObjectMeta,
  spec: VirtualServerSpec,
  status: VirtualServerStatus.optional(),
});
export type VirtualServer = z.infer<typeof VirtualServer>;
