/**
 * VirtualServer: a curated set of tools, resources and prompts from one or more McpGateways, served
 * to agents as one MCP endpoint. The zod schemas here are the single source of truth: the CRD is
 * generated from them.
 */
import { z } from 'zod';
import { Conditions } from './conditions.ts';
import { count, mapListOf, mapOf, objectName, ObjectMeta, setOf } from './fields.ts';
import { API_VERSION } from './names.ts';
import { withRules } from './rules.ts';
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

/** A resource URI or URI template, or a glob over them (`*` any run of characters, `?` one character). */
export const ResourcePattern = z.string().min(1).max(2048);

/** Selects resources and resource templates of one McpGateway. URIs are served unchanged. */
export const ResourceSelector = z
  .strictObject({
    gateway: objectName('Name of the McpGateway, in the same namespace, whose resources are selected.'),
    include: setOf(ResourcePattern, 256, 'Resource URIs or URI templates, or globs (* and ?) over them, to include. Omitted: all resources and templates of the gateway.').optional(),
    exclude: setOf(ResourcePattern, 256, 'Resource URIs, URI templates or globs to leave out; applied after include.').optional(),
  })
  .describe(
    'Selects resources and resource templates of one McpGateway: include, then exclude. URIs are never renamed; ' +
      'a URI (or URI template) offered by two selected gateways is reported in status.resourceConflicts and served by neither.',
  );
export type ResourceSelector = z.infer<typeof ResourceSelector>;

/** Selects prompts of one McpGateway; named like tools (naming policy, rename). */
export const PromptSelector = z
  .strictObject({
    gateway: objectName('Name of the McpGateway, in the same namespace, whose prompts are selected.'),
    include: setOf(ToolPattern, 256, 'Upstream prompt names or globs (* and ?) to include. Omitted: all prompts of the gateway.').optional(),
    exclude: setOf(ToolPattern, 256, 'Upstream prompt names or globs to leave out; applied after include.').optional(),
    rename: mapOf(ToolPattern, ToolName, 256)
      .optional()
      .describe(
        'Upstream prompt name → the exact name agents see. A renamed prompt is not prefixed by the naming policy; ' +
          'a name claimed twice is reported in status.promptConflicts.',
      ),
  })
  .describe('Selects prompts of one McpGateway: include, then exclude, then rename. Prompts follow spec.naming like tools.');
export type PromptSelector = z.infer<typeof PromptSelector>;

/** Who may use the VirtualServer. */
export const AccessSpec = z
  .strictObject({
    users: setOf(z.string().min(1).max(256), 1024, "Users (the agent token's sub) allowed to use this server.").optional(),
    groups: setOf(z.string().min(1).max(256), 256, "Groups (the agent token's groups claim) allowed to use this server.").optional(),
  })
  .describe('Which agents may use this server: listed users or members of listed groups. Both empty or omitted: any authenticated agent.');
export type AccessSpec = z.infer<typeof AccessSpec>;

/** The desired state of a VirtualServer. */
const VirtualServerFields = z
  .strictObject({
    description: z
      .string()
      .max(1024)
      .optional()
      .describe("Human-readable description, sent to agents as the start of initialize's instructions (the selected gateways' own instructions follow)."),
    tools: z.array(ToolSelector).max(64).optional().describe('Tool selectors, one or more per McpGateway.'),
    resources: z.array(ResourceSelector).max(64).optional().describe('Resource selectors (resources and resource templates), one or more per McpGateway.'),
    prompts: z.array(PromptSelector).max(64).optional().describe('Prompt selectors, one or more per McpGateway.'),
    naming: z
      .enum(['Prefixed', 'Plain'])
      .default('Prefixed')
      .describe(
        'How tools and prompts are named for agents. Prefixed (default): <gateway-slug>-<name-slug>, as ContextForge does. ' +
          'Plain: upstream names as they are; names offered by two gateways are reported in status.conflicts (tools) or ' +
          'status.promptConflicts and not served. Resource URIs are never renamed.',
      ),
    access: AccessSpec.prefault({}),
  })
  .describe('VirtualServerSpec: a curated set of tools, resources and prompts served to agents as one MCP endpoint.');

const selects = (list: readonly unknown[] | undefined): boolean => list !== undefined && list.length > 0;

export const VirtualServerSpec = withRules(VirtualServerFields, [
  {
    rule: '(has(self.tools) && size(self.tools) > 0) || (has(self.resources) && size(self.resources) > 0) || (has(self.prompts) && size(self.prompts) > 0)',
    message: 'needs at least one selector in tools, resources or prompts',
    field: 'tools',
    reason: 'FieldValueRequired',
    holds: (self) => selects(self.tools) || selects(self.resources) || selects(self.prompts),
  },
]);
export type VirtualServerSpec = z.infer<typeof VirtualServerSpec>;

/** A name (or resource URI) offered by more than one selected tool, prompt or resource. */
export const ToolConflict = z
  .object({
    name: z.string().min(1).max(2048).describe('The name (or resource URI) agents would see.'),
    candidates: z.array(z.string().max(2600)).max(64).describe('What claims it, as <gateway>/<upstream name or URI>.'),
  })
  .describe('A name claimed by more than one selected tool, prompt or resource; none of them is served under it.');
export type ToolConflict = z.infer<typeof ToolConflict>;

/** The observed state of a VirtualServer, written by the operator. */
export const VirtualServerStatus = z
  .object({
    observedGeneration: count('The metadata.generation the status was computed for.').optional().meta({ format: 'int64' }),
    conditions: Conditions.optional(),
    toolCount: count('Number of tools served.').optional(),
    resourceCount: count('Number of resources served (listed by resources/list).').optional(),
    resourceTemplateCount: count('Number of resource templates served (listed by resources/templates/list).').optional(),
    promptCount: count('Number of prompts served.').optional(),
    endpoint: z.string().max(2048).optional().describe('The MCP endpoint agents connect to (Streamable HTTP).'),
    unmatched: z
      .array(z.string().max(512))
      .max(256)
      .optional()
      .describe('Selectors that matched nothing, e.g. tools[0].include[1] "getConfluencePage".'),
    conflicts: mapListOf(ToolConflict, 'name', 256, 'Names claimed by more than one tool.').optional(),
    resourceConflicts: mapListOf(ToolConflict, 'name', 256, 'Resource URIs (or URI templates) offered by more than one selected gateway; none of them is served.').optional(),
    promptConflicts: mapListOf(ToolConflict, 'name', 256, 'Prompt names claimed by more than one prompt.').optional(),
    replicas: ReplicaStatuses.optional(),
  })
  .describe('VirtualServerStatus: what the proxy replicas (or ContextForge) serve.');
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
